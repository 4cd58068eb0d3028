"""Azure export discovery (manifest runs, latest run per export and month) and CSV reading into Arrow."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc

from finops_core.errors import MissingColumnError
from ingestion.common.arrow_io import (
    file_stem,
    iter_csv_batches,
    period_hint,
    period_of,
    to_date,
    to_float,
    to_json_object,
)
from ingestion.common.csv_text import CsvLayout, sniff
from ingestion.common.files import list_files, read_text
from ingestion.common.localized import FileDates, FileNumbers
from ingestion.common.money import to_money
from ingestion.common.periods import EXACT_PREFIX, PARSE_ERRORS, FileSpec
from ingestion.common.quarantine import quarantine_file
from ingestion.common.stats import LoadStats

from . import settings
from .headers import looks_like_header, normalize_header

log = logging.getLogger(__name__)
#: The cost text exactly as the file wrote it (decimal convention normalized): what the stats sum.
EXACT_COST = EXACT_PREFIX + settings.COST_COLUMN

__all__ = ["AzureFile", "discover", "normalize_header", "read_costs"]

#: .../{yyyyMMdd-yyyyMMdd}/{export}/{yyyyMMddHHmm}/[{guid}/]file
LAYOUT = re.compile(r"/(?P<start>\d{8})-(?P<end>\d{8})/(?P<export>[^/]+)/(?P<run>\d{12})(?:/[^/]+)?/[^/]+$")


@dataclass
class AzureFile:
    """What the path or manifest says about one CSV; ``None`` = learn it from the file itself."""

    path: str
    export_name: str | None = None
    period: str | None = None
    cost_type: str | None = None
    delivery_id: str | None = None
    run: str = ""  # sort key: later runs win


def cost_type_from_text(text: str) -> str | None:
    low = text.lower()
    for word, kind in (
        ("amortized", "amortized"),
        ("focus", "focus"),
        ("actual", "actual"),
        ("usage", "actual"),
    ):
        if word in low:
            return kind
    return None


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0]


def discover(
    paths: str | list[str], stats: LoadStats | None, quarantine_to: str | None
) -> list[tuple[FileSpec, AzureFile]]:
    """All CSVs to load: per export and month only the latest run; bad manifests quarantined."""
    found = list_files(paths, settings.FILE_PATTERNS)
    manifests = [p for p in found if PurePosixPath(p).name.lower() == "manifest.json"]
    csvs = [p for p in found if p not in manifests]
    runs: dict[tuple[str, str], list[AzureFile]] = {}
    claimed: set[str] = set()
    bad_hints: set[tuple[str | None, str]] = set()
    for manifest in manifests:
        folder = _parent(manifest) + "/"
        members = [p for p in csvs if p.startswith(folder)]
        claimed.update(members)
        try:
            files = _from_manifest(manifest, members)
        except PARSE_ERRORS as exc:
            q = quarantine_file(manifest, f"unusable manifest: {exc}", quarantine_to, settings.SOURCE)
            if stats is not None:
                stats.quarantined.append(q)
            hint = _layout_key(manifest)
            if hint:
                bad_hints.add(hint)
            continue
        for f in files:
            runs.setdefault((f"{f.export_name}:{f.cost_type}", f.period), []).append(f)
    for path in csvs:
        if path in claimed:
            continue
        m = LAYOUT.search(path)
        if m:  # layout folders without a manifest: the path names export, month and run
            kind = cost_type_from_text(m["export"]) or cost_type_from_text(path)
            f = AzureFile(path, m["export"], f"{m['start'][:4]}-{m['start'][4:6]}", kind, None, m["run"])
            runs.setdefault((f"{f.export_name}:{kind}", f.period), []).append(f)
        else:  # a loose file: its own export, periods from its rows
            runs.setdefault((path, ""), []).append(AzureFile(path))
    out: list[tuple[FileSpec, AzureFile]] = []
    for key, files in sorted(runs.items()):
        latest = max(f.run for f in files)
        for f in files:
            if f.run != latest:
                log.info("azure_cost: %s superseded by run %s of %s", f.path, latest, key[0])
                continue
            export = f"{f.export_name}:{f.cost_type}" if f.export_name and f.cost_type else None
            period = f.period or period_hint(f.path)
            hints = {(export, period)} if period else set()
            out.append((FileSpec(f.path, f.delivery_id, hints | bad_hints), f))
    return out


def _layout_key(path: str) -> tuple[str | None, str] | None:
    m = re.search(r"/(\d{4})(\d{2})\d{2}-\d{8}/", path)
    return (None, f"{m[1]}-{m[2]}") if m else None


def _from_manifest(manifest: str, members: list[str]) -> list[AzureFile]:
    doc = json.loads(read_text(manifest))
    cfg, run = doc.get("exportConfig") or {}, doc.get("runInfo") or {}
    m = LAYOUT.search(manifest)
    name = cfg.get("exportName") or (m["export"] if m else PurePosixPath(manifest).parent.name)
    kind = settings.COST_TYPES.get(str(cfg.get("type", "")).lower()) or cost_type_from_text(manifest)
    start = run.get("startDate") or (f"{m['start'][:4]}-{m['start'][4:6]}" if m else None)
    if not start:
        raise ValueError("no runInfo.startDate and no yyyyMMdd-yyyyMMdd folder")
    blobs = [PurePosixPath(b["blobName"]).name for b in doc.get("blobs") or []]
    names = {PurePosixPath(p).name for p in members}
    missing = [b for b in blobs if b not in names]
    if missing:
        raise ValueError(f"delivery incomplete, blob(s) not found: {', '.join(missing[:3])}")
    chosen = [p for p in members if not blobs or PurePosixPath(p).name in blobs]
    if not chosen:
        raise ValueError("manifest lists no data files")
    run_key = (m["run"] if m else "") + str(run.get("submittedTime", "")) + manifest
    delivery = run.get("runId") or PurePosixPath(manifest).parent.name
    return [AzureFile(p, name, str(start)[:7], kind, delivery, run_key) for p in chosen]


def _layout(path: str) -> CsvLayout:
    """The file's header (a preamble may sit above it); the first line when no line names a cost column."""
    try:
        return sniff(path, looks_like_header)
    except ValueError:
        return sniff(path)  # the required-column check below then names what is missing


def _typed(t: pa.Table, numbers: FileNumbers, dates: FileDates) -> pa.Table:
    """Dates, numbers (decimal convention decided per file) and tags typed; the cost text kept exact."""
    money = {n for n in t.column_names if n in settings.MONEY_COLUMNS or n.endswith("_cost")}
    numeric = [n for n in t.column_names if n in settings.DOUBLE_COLUMNS or n in money]
    numbers.decide({n: t[n].combine_chunks() for n in numeric})
    dates.decide({n: t[n].combine_chunks() for n in t.column_names if n in settings.DATE_COLUMNS})
    for i, name in enumerate(t.column_names):
        if name in settings.DATE_COLUMNS:
            t = t.set_column(i, name, to_date(t[name].combine_chunks(), name, dates))
        elif name in numeric:
            text = numbers.normalize(t[name].combine_chunks(), name)
            if name == settings.COST_COLUMN:
                t = t.append_column(EXACT_COST, text)
            t = t.set_column(i, name, to_money(text, name) if name in money else to_float(text, name))
        elif name == "tags":
            t = t.set_column(i, name, to_json_object(t[name].combine_chunks()))
    return t


def read_costs(f: AzureFile) -> Iterator[pa.Table]:
    """Typed tables from one export CSV, with the lineage columns (``_delivery_id`` added later)."""
    layout = _layout(f.path)
    raw = layout.names
    names = normalize_header(raw)
    for col, (shown, hint) in settings.REQUIRED.items():
        if col not in names:
            raise MissingColumnError(f.path, shown, hint)
    lowered = {n.lower() for n in raw}
    kind = f.cost_type or cost_type_from_text(PurePosixPath(f.path).name)
    kind = kind or ("focus" if {"billedcost", "chargeperiodstart"} <= lowered else "actual")
    export = f"{f.export_name}:{kind}" if f.export_name else f"{file_stem(f.path)}:{kind}"
    numbers, dates = FileNumbers(), FileDates()
    for batch in iter_csv_batches(f.path, names, layout=layout):
        t = _typed(pa.Table.from_batches([batch]), numbers, dates)
        if f.period:
            period = pa.array([f.period] * t.num_rows, pa.string())
        else:
            start = t["billing_period_start_date"] if "billing_period_start_date" in t.column_names else None
            period = period_of(pc.coalesce(start, t["date"]) if start is not None else t["date"])
            if period.null_count:
                raise ValueError("rows without a date: no billing period")
        if t[settings.COST_COLUMN].null_count:
            raise ValueError(f"column '{settings.COST_COLUMN}' is empty on some rows")
        n = t.num_rows
        t = t.append_column("_source_file", pa.array([f.path] * n, pa.string()))
        t = t.append_column("_billing_period", period)
        t = t.append_column("_export", pa.array([export] * n, pa.string()))
        t = t.append_column("_cost_type", pa.array([kind] * n, pa.string()))
        yield t
