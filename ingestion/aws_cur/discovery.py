"""Which files make up which delivery: manifests first (the latest per export and period), loose files after.

CUR 2.0: ``<export>/metadata/BILLING_PERIOD=YYYY-MM/[<version>/]<export>-Manifest.json`` lists ``dataFiles``.
Legacy: ``<name>/yyyymmdd-yyyymmdd/<name>-Manifest.json`` (pointer to the current assembly) and
``<name>/yyyymmdd-yyyymmdd/<assemblyId>/<name>-Manifest.json`` list ``reportKeys``.
Data files under a manifest's tree that the winning manifest does not list are superseded and ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from finops_core.errors import SourceError
from ingestion.common.fileinfo import content_hash, modified_at
from ingestion.common.files import list_files, read_text

from .settings import DATA_PATTERNS, MANIFEST_PATTERNS

_PERIOD_IN_PATH = re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})", re.I)
_RANGE_DIR = re.compile(r"^(\d{4})(\d{2})\d{2}-\d{8}$")


@dataclass(frozen=True)
class Delivery:
    """All files of one delivery of one export; ``billing_period`` None: loose files, taken from rows."""

    export: str
    billing_period: str | None
    delivery_id: str
    files: tuple[str, ...]
    manifest: str | None = None
    problem: str | None = None  # set when the delivery cannot be loaded (manifest lists missing files...)


@dataclass
class _Manifest:
    path: str
    export: str
    period: str | None
    delivery_id: str
    keys: list[str]
    root: str
    is_pointer: bool
    generated: float
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def stem(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for ext in (".gz", ".snappy", ".parquet", ".csv", ".snappy"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name


def _period(manifest: dict, path: str) -> str | None:
    start = (manifest.get("billingPeriod") or {}).get("start")
    if isinstance(start, str):
        digits = re.sub(r"\D", "", start)
        if len(digits) >= 6:
            return f"{digits[:4]}-{digits[4:6]}"
    m = _PERIOD_IN_PATH.search(path)
    if m:
        return f"{m[1]}-{m[2]}"
    for part in path.split("/"):
        if r := _RANGE_DIR.match(part):
            return f"{r[1]}-{r[2]}"
    return None


def _parse_manifest(path: str) -> _Manifest:
    text = read_text(path)
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"manifest is not valid JSON ({exc})", path=path) from exc
    parts = path.split("/")
    name = parts[-1]
    export = body.get("exportName") or body.get("reportName") or name[: -len("-manifest.json")]
    keys = body.get("dataFiles") or body.get("reportKeys") or []
    if isinstance(keys, dict):  # defensive: some tools wrap the list
        keys = list(keys.values())
    delivery_id = body.get("executionId") or body.get("assemblyId") or hashlib.sha1(text.encode()).hexdigest()[:16]
    if "/metadata/" in path:  # CUR 2.0: <root>/metadata/BILLING_PERIOD=.../
        root, is_pointer = path.rsplit("/metadata/", 1)[0] + "/", False
    else:  # legacy: <name>/<range>/[<assemblyId>/]<name>-Manifest.json
        range_idx = max((i for i, p in enumerate(parts[:-1]) if _RANGE_DIR.match(p)), default=None)
        if range_idx is None:
            root, is_pointer = "/".join(parts[:-1]) + "/", False
        else:
            root, is_pointer = "/".join(parts[: range_idx + 1]) + "/", range_idx == len(parts) - 2
    generated = 0.0
    for k in ("generatedAt", "creationTime", "createdAt", "exportTime"):
        if isinstance(body.get(k), (int, float)):
            generated = float(body[k])
    return _Manifest(
        path=path,
        export=str(export),
        period=_period(body, path),
        delivery_id=str(delivery_id),
        keys=[str(k) for k in keys],
        root=root,
        is_pointer=is_pointer,
        generated=generated or modified_at(path),
    )


def _resolve(key: str, data_files: Sequence[str]) -> str | None:
    """The discovered data file a manifest key names (keys are s3 URIs or bucket-relative keys)."""
    rel = key.split("://", 1)[1].split("/", 1)[-1] if "://" in key else key.lstrip("/")
    segments = rel.split("/")
    for depth in range(len(segments), 0, -1):
        tail = "/" + "/".join(segments[-depth:])
        hits = [f for f in data_files if f.endswith(tail)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1 and depth == len(segments):
            return sorted(hits)[0]
    return None


def discover(paths: str | Sequence[str]) -> list[Delivery]:
    """Deliveries to load under ``paths``. ``EmptyInputError`` (naming the folder) when there is nothing."""
    found = list_files(paths, DATA_PATTERNS + MANIFEST_PATTERNS)
    manifest_paths = [f for f in found if f.lower().endswith("-manifest.json")]
    data_files = [f for f in found if f not in set(manifest_paths)]
    manifests = [_parse_manifest(p) for p in manifest_paths]
    managed: set[str] = set()
    for m in manifests:
        for key in m.keys:
            hit = _resolve(key, data_files)
            (m.files if hit else m.missing).append(hit or key)
        managed.update(m.files)
        managed.update(f for f in data_files if f.startswith(m.root))
    latest: dict[tuple[str, str | None], _Manifest] = {}
    for m in manifests:
        k = (m.export, m.period)
        if k not in latest or (m.is_pointer, m.generated, m.path) > (
            latest[k].is_pointer,
            latest[k].generated,
            latest[k].path,
        ):
            latest[k] = m
    deliveries = []
    for m in latest.values():
        problem = None
        if m.missing:
            problem = f"manifest lists {len(m.missing)} data file(s) not found, e.g. {m.missing[0]}"
        elif not m.files:
            problem = "manifest lists no data files"
        deliveries.append(Delivery(m.export, m.period, m.delivery_id, tuple(m.files), m.path, problem))
    for f in data_files:
        if f not in managed:
            deliveries.append(Delivery(stem(f), None, content_hash([f]), (f,)))
    return sorted(deliveries, key=lambda d: (d.export, d.billing_period or "", d.files))
