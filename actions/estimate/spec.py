"""Cluster specs ``finops estimate`` reads: a Palette cluster spec or cloud config (JSON), and
``spectrocloud_cluster_*`` resources in Terraform (HCL ``.tf`` or ``.tf.json``). Only literal values are
priced; an expression where a pool's type or size should be fails with one line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from actions.estimate.hcl import parse_hcl
from actions.estimate.model import ClusterSpec, EstimateError, Expr, Pool

PROVIDERS = {"eks": "aws", "aws": "aws", "aks": "azure", "azure": "azure", "gke": "gcp", "gcp": "gcp"}


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else [v] if v else []


def _literal(pool: str, key: str, value: Any, kind: type) -> Any:
    if isinstance(value, Expr) or (value is not None and not isinstance(value, kind)):
        raise EstimateError(f"machine_pool {pool}: {key} = {value} is not a literal {kind.__name__}")
    return value


def _cluster(rtype: str, rname: str, d: dict[str, Any]) -> ClusterSpec:
    """A cluster from a ``spectrocloud_cluster_*`` resource body (HCL or Terraform JSON)."""
    provider = PROVIDERS.get(rtype.removeprefix("spectrocloud_cluster_"))
    if provider is None:
        raise EstimateError(f"{rtype}.{rname}: not a public cloud cluster; the catalog prices aws, azure and gcp")
    if any("machine_pool" in _as_list(b.get("__labels__")) for b in _as_list(d.get("dynamic"))):
        raise EstimateError(f"{rtype}.{rname}: machine_pool is a dynamic block; estimate needs literal blocks")
    pools = []
    for mp in _as_list(d.get("machine_pool")):
        name = _literal("?", "name", mp.get("name"), str) or "?"
        itype = _literal(name, "instance_type", mp.get("instance_type"), str)
        if not itype:
            raise EstimateError(f"{rtype}.{rname}: machine_pool {name} has no instance_type")
        count = _literal(name, "count", mp.get("count", mp.get("min", 1)), int)
        lo, hi = (_literal(name, k, mp.get(k), int) for k in ("min", "max"))
        pools.append(Pool(name, itype, str(mp.get("capacity_type") or "on-demand"), count, lo, hi))
    if not pools:
        raise EstimateError(f"{rtype}.{rname}: no machine_pool block")
    region = next((c.get("region") for c in _as_list(d.get("cloud_config"))), None)
    tags = dict(t.split(":", 1) for t in _as_list(d.get("tags")) if isinstance(t, str) and ":" in t)
    tags |= d.get("tags_map") if isinstance(d.get("tags_map"), dict) else {}
    name = d.get("name") if isinstance(d.get("name"), str) and not isinstance(d.get("name"), Expr) else rname
    return ClusterSpec(name, provider, None if isinstance(region, Expr) else region, tags.get("team"), pools)


def _json_exprs(v: Any) -> Any:
    """Terraform JSON: strings with ``${...}`` are expressions."""
    if isinstance(v, dict):
        return {k: _json_exprs(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_exprs(x) for x in v]
    return Expr(v) if isinstance(v, str) and "${" in v else v


def _palette(doc: dict[str, Any], stem: str) -> ClusterSpec:
    """A Palette cluster create spec (``spec.machinepoolconfig[{cloudConfig, poolConfig}]``) or a cloud config
    (``spec.machinePoolConfig[]``, optionally wrapped as ``{kind, body}`` like the demo tenant's)."""
    body = doc.get("body", doc)
    meta, spec = body.get("metadata") or {}, body.get("spec") or {}
    raw = spec.get("machinepoolconfig") or spec.get("machinePoolConfig")
    if not isinstance(raw, list) or not raw:
        raise EstimateError("no spec.machinepoolconfig[] (Palette cluster spec) or spec.machinePoolConfig[]")
    pools = []
    for p in raw:
        get = lambda k, p=p: (p.get("poolConfig") or {}).get(k, (p.get("cloudConfig") or {}).get(k, p.get(k)))  # noqa: E731
        if not get("name") or not get("instanceType"):
            raise EstimateError(f"machine pool {get('name') or '?'} has no name or instanceType")
        size = get("size") or 1
        pools.append(Pool(get("name"), get("instanceType"), get("capacityType") or "on-demand", int(size),
                          get("minSize"), get("maxSize")))  # fmt: skip
    labels = meta.get("labels") or {}
    tags = next((p["additionalTags"] for p in raw if isinstance(p.get("additionalTags"), dict)), {})
    kind = str(doc.get("kind") or spec.get("cloudType") or labels.get("cloudType") or "").lower()
    region = (spec.get("cloudConfig") or spec.get("clusterConfig") or {}).get("region")
    return ClusterSpec(
        meta.get("name") or stem, PROVIDERS.get(kind), region, labels.get("team") or tags.get("team"), pools
    )


def parse_spec(path: str | os.PathLike) -> list[ClusterSpec]:
    """Clusters in a Palette spec JSON, a Terraform ``.tf.json`` or an HCL ``.tf`` file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise EstimateError(f"{p}: cannot read ({exc.strerror})") from None
    try:
        if not text.lstrip().startswith("{"):
            resources = [(r["__labels__"], r) for r in parse_hcl(text).get("resource", [])]
        else:
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                raise EstimateError(f"line {exc.lineno}: malformed JSON ({exc.msg})") from None
            if "resource" not in doc:
                return [_palette(doc, p.stem)]
            resources = [
                ([rtype, rname], _json_exprs(body[0] if isinstance(body, list) else body))
                for res in _as_list(doc["resource"])
                for rtype, named in res.items()
                for rname, body in named.items()
            ]
        out = [_cluster(lab[0], lab[1], r) for lab, r in resources if str(lab[0]).startswith("spectrocloud_cluster_")]
        if not out:
            raise EstimateError('no resource "spectrocloud_cluster_*"')
        return out
    except EstimateError as exc:
        raise EstimateError(f"{p}: {exc}") from None
