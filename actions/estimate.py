"""Cost check before provisioning: a Palette cluster spec or a ``spectrocloud_cluster_*`` Terraform resource
priced per machine pool (on-demand and spot), against the owning team's budget and the policy.

Catalog: ``staging.stg_pricing__instance_prices`` when the warehouse has it (what the pipeline loaded),
else the catalog CSVs ($FINOPS_PRICING_PATH or the demo estate's ``pricing/``, then
``../shared/data/real/pricing``), so the check also runs in a pull-request job without a warehouse.
Spot prices the catalog lacks (AWS) are on-demand x the policy's ``spot_fallback_factor``, marked derived.
"""

from __future__ import annotations

import calendar
import difflib
import fnmatch
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from actions.policy import Policy
from finops_core.warehouse import PROJECT_ROOT
from finops_core.warehouse_io import read_sql, table_exists

SHARED_PRICING = PROJECT_ROOT.parent / "shared" / "data" / "real" / "pricing"
BUDGETS_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "budgets.csv"
PROVIDERS = {"eks": "aws", "aws": "aws", "aks": "azure", "azure": "azure", "gke": "gcp", "gcp": "gcp"}
AWS_GPU = {"p2": "k80", "p3": "v100", "p3dn": "v100", "p4d": "a100", "p4de": "a100-80gb", "p5": "h100"}
AWS_GPU |= {"p5e": "h200", "g4dn": "t4", "g5": "a10g", "g6": "l4", "g6e": "l40s", "gr6": "l4"}
AZURE_GPU = (("H100", "h100"), ("A100", "a100"), ("T4", "t4"), ("A10", "a10"), ("V100", "v100"))
EXIT = {"allow": 0, "block": 1, "needs_approval": 3}
IDENT = re.compile(r'[A-Za-z_][\w-]*|"(?:[^"\\\n]|\\.)*"')


class EstimateError(ValueError):
    """A spec that cannot be priced; the message is one line."""


class Expr(str):
    """An HCL expression estimate does not evaluate (var.x, "${...}", function calls)."""


@dataclass
class Pool:
    name: str
    instance_type: str
    capacity_type: str = "on-demand"
    count: int = 1
    min: int | None = None
    max: int | None = None


@dataclass
class ClusterSpec:
    name: str
    provider: str | None
    region: str | None
    team: str | None
    pools: list[Pool]


class _Hcl:
    """A tiny HCL reader: blocks (as lists under their type, labels in ``__labels__``), attributes,
    strings, numbers, bools, lists, maps, heredocs and comments; anything else is an :class:`Expr`."""

    def __init__(self, text: str) -> None:
        self.s, self.i = text, 0

    def fail(self, what: str) -> None:
        raise EstimateError(f"line {self.s.count(chr(10), 0, self.i) + 1}: {what}")

    def skip(self, newlines: bool = True) -> None:
        s = self.s
        while self.i < len(s):
            if s[self.i] in " \t\r," or (newlines and s[self.i] == "\n"):
                self.i += 1
            elif s.startswith(("#", "//", "/*"), self.i):
                block = s.startswith("/*", self.i)
                end = s.find("*/" if block else "\n", self.i)
                self.i = len(s) if end < 0 else end + 2 * block
            else:
                return

    def body(self, closing: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while True:
            self.skip()
            if self.i >= len(self.s) or self.s[self.i] == "}":
                if (self.i >= len(self.s)) == closing:
                    self.fail("a block is not closed (missing '}')" if closing else "unexpected '}'")
                self.i += 1
                return out
            m = IDENT.match(self.s, self.i) or self.fail(f"unexpected {self.s[self.i : self.i + 12]!r}")
            key, self.i = m.group(0).strip('"'), m.end()
            self.skip(newlines=False)
            if self.s[self.i : self.i + 1] in ("=", ":"):
                self.i += 1
                out[key] = self.value()
                continue
            labels = []
            while self.s.startswith('"', self.i):
                labels.append(self.value())
                self.skip(newlines=False)
            if not self.s.startswith("{", self.i):
                self.fail(f"expected '=' or '{{' after {key}")
            self.i += 1
            out.setdefault(key, []).append({**self.body(True), "__labels__": labels})

    def value(self) -> Any:
        self.skip(newlines=False)
        s, start = self.s, self.i
        if s.startswith('"', start):
            m = re.compile(r'"((?:[^"\\\n]|\\.)*)"').match(s, start) or self.fail("unterminated string")
            self.i = m.end()
            return Expr(m.group(1)) if "${" in m.group(1) else json.loads(m.group(0))
        if s.startswith("{", start):
            self.i += 1
            return self.body(True)
        if s.startswith("[", start):
            self.i, items = start + 1, []
            while self.skip() or not s.startswith("]", self.i):
                if self.i >= len(s):
                    self.fail("a list is not closed (missing ']')")
                items.append(self.value())
            self.i += 1
            return items
        heredoc = re.compile(r"<<-?(\w+)\n(.*?)\n\s*\1\b", re.S).match(s, start)
        if heredoc:
            self.i = heredoc.end()
            return heredoc.group(2)
        depth, i = 0, start
        while i < len(s) and (depth or (s[i] not in "\n,]}#" and not s.startswith(("//", "/*"), i))):
            if s[i] == '"':
                i = s.find('"', i + 1) if '"' in s[i + 1 :] else len(s)
            depth += (s[i] in "([{") - (s[i] in ")]}") if i < len(s) else 0
            i += 1
        self.i, word = i, s[start:i].strip()
        if not word:
            self.fail("missing value")
        if re.fullmatch(r"-?\d+(\.\d+)?", word):
            return float(word) if "." in word else int(word)
        return {"true": True, "false": False, "null": None}.get(word, Expr(word))


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
            resources = [(r["__labels__"], r) for r in _Hcl(text).body(closing=False).get("resource", [])]
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


def load_catalog(warehouse: str | os.PathLike | None = None) -> pd.DataFrame:
    """Instance prices: provider, region, instance_type, gpu_type, on_demand_hourly, spot_hourly."""
    if warehouse is not None and table_exists("staging", "stg_pricing__instance_prices", warehouse):
        sql = "select provider, region, instance_type, gpu_type, on_demand_hourly_cost as on_demand_hourly, "
        return read_sql(sql + "spot_hourly_cost as spot_hourly from staging.stg_pricing__instance_prices", warehouse)
    from finops_core.config import source_location
    from ingestion.common.files import list_files
    from ingestion.pricing.helpers import detect_format, read_csv_strings, to_raw

    frames = []
    for path in list_files([*_as_list(source_location("pricing")), str(SHARED_PRICING)], ("*.csv",)):
        data = read_csv_strings(path)
        fmt = detect_format(data.column_names)
        target, table = to_raw(data, fmt, path) if fmt else (None, None)
        if target == "instance_prices":
            frames.append(table.to_pandas())
    if not frames:
        raise EstimateError("no price catalog: load one (finops load pricing) or set FINOPS_PRICING_PATH")
    return pd.concat(frames).drop_duplicates(["provider", "region", "instance_type"])


def gpu_type(provider: str, instance_type: str, catalog_gpu: Any) -> str | None:
    if isinstance(catalog_gpu, str) and catalog_gpu:
        return catalog_gpu.lower()
    if provider == "aws":
        return AWS_GPU.get(instance_type.split(".")[0])
    return next((g for token, g in AZURE_GPU if token in instance_type), None) if provider == "azure" else None


def price_pool(cluster: ClusterSpec, pool: Pool, catalog: pd.DataFrame, policy: Policy) -> dict[str, Any]:
    """Hourly and monthly on-demand / spot prices of one pool; an unknown instance type fails with one line."""
    mine = catalog if not cluster.provider else catalog[catalog["provider"] == cluster.provider]
    rows = mine[mine["instance_type"] == pool.instance_type]
    if rows.empty:
        near = difflib.get_close_matches(pool.instance_type, mine["instance_type"].unique().tolist(), n=3)
        raise EstimateError(
            f"machine pool {pool.name}: unknown instance type {pool.instance_type!r} for "
            f"{cluster.provider or 'any provider'} (not in the price catalog)"
            + (f"; did you mean {', '.join(near)}?" if near else "")
        )
    same = rows[rows["region"] == cluster.region]
    row = (same if not same.empty else rows.sort_values("region")).iloc[0]
    od, spot, provider = float(row["on_demand_hourly"]), row["spot_hourly"], row["provider"]
    derived = spot is None or pd.isna(spot)
    spot = round(od * policy.estimate.spot_fallback_factor.get(provider, 1.0) if derived else float(spot), 6)
    hours, is_spot = policy.estimate.hours_per_month, pool.capacity_type.lower() == "spot"
    unit = (spot if is_spot else od) * hours
    return {
        **pool.__dict__,
        "capacity_type": "spot" if is_spot else "on-demand",
        "provider": provider,
        "region": row["region"],
        "on_demand_hourly": od,
        "spot_hourly": spot,
        "spot_derived": derived,
        "on_demand_monthly": round(od * hours * pool.count, 2),
        "spot_monthly": round(spot * hours * pool.count, 2),
        "projected_monthly": round(unit * pool.count, 2),
        "projected_monthly_at_max": round(unit * (pool.max or pool.count), 2),
        "gpu_type": gpu_type(provider, pool.instance_type, row.get("gpu_type")),
        "note": "" if not same.empty else f"priced in {row['region']}: no {cluster.region or 'region'} price",
    }


def budget_headroom(
    team: str | None, month: str | None, warehouse: str | os.PathLike | None = None, seed: Path = BUDGETS_SEED
) -> dict[str, Any] | None:
    """The team's budget for the month (default: this month, else its latest budgeted month) and its spend
    run-rate (mean daily cost of its last 30 days in ``marts.fct_k8s_allocation_daily`` x days in the month,
    when that mart is built); None when the team has no budget."""
    if not team:
        return None
    if warehouse is not None and table_exists("seeds", "budgets", warehouse):
        df = read_sql("select * from seeds.budgets", warehouse)
    elif seed.exists():
        df = pd.read_csv(seed)
    else:
        return None
    pick = lambda *names: next((c for c in names if c in df.columns), None)  # noqa: E731
    tcol, mcol = pick("team", "team_name", "team_id"), pick("month", "budget_month", "billing_period", "period")
    acol = pick("budget_usd", "budget", "amount_usd", "amount", "monthly_budget_usd", "budget_amount")
    if not (tcol and mcol and acol):
        return None
    df = df[df[tcol].astype(str) == team].assign(_month=lambda d: d[mcol].astype(str).str[:7])
    month = month or datetime.now(UTC).strftime("%Y-%m")
    if df.empty:
        return None
    row = (df[df["_month"] == month] if month in set(df["_month"]) else df.sort_values("_month")).iloc[-1]
    currency = str(row.get("currency") or "USD")
    out = {"team": team, "month": row["_month"], "budget": round(float(row[acol]), 2), "currency": currency}
    out["run_rate"] = None
    if warehouse is not None and table_exists("marts", "fct_k8s_allocation_daily", warehouse):
        sql = (
            "with daily as (select charge_date, sum(effective_cost) as cost from marts.fct_k8s_allocation_daily "
            "where team = ? and billing_currency = ? group by 1 order by 1 desc limit 30) "
            "select avg(cost) from daily"
        )
        per_day = read_sql(sql, warehouse, [team, currency]).iloc[0, 0]
        if per_day is not None and not pd.isna(per_day):
            y, m = map(int, out["month"].split("-"))
            out["run_rate"] = round(float(per_day) * calendar.monthrange(y, m)[1], 2)
    return out


def verdict(pools: list[dict[str, Any]], budget: dict[str, Any] | None, total: float, policy: Policy) -> dict:
    """allow | needs_approval | block, with the reasons (forbidden families, GPU types, budget)."""
    e, reasons, levels = policy.estimate, [], ["allow"]
    for p in pools:
        bad = [pat for pat in e.forbidden_instance_families if fnmatch.fnmatchcase(p["instance_type"], pat)]
        if bad:
            reasons.append(f"pool {p['name']}: {p['instance_type']} is a forbidden instance family ({bad[0]})")
            levels.append("block")
        if p["gpu_type"] and p["gpu_type"] in {g.lower() for g in e.gpu_types_need_approval}:
            reasons.append(f"pool {p['name']}: GPU {p['gpu_type']} needs approval by {', '.join(e.approvers)}")
            levels.append("needs_approval")
    if budget and e.over_budget != "allow" and budget["headroom_after"] < 0:
        reasons.append(f"over the {budget['team']} budget for {budget['month']} by ${-budget['headroom_after']:,.2f}")
        levels.append(e.over_budget)
    level = max(levels, key=lambda v: ("allow", "needs_approval", "block").index(v))
    return {"verdict": level, "reasons": reasons, "exit_code": EXIT[level]}


def estimate(
    spec_path: str | os.PathLike,
    policy: Policy,
    warehouse: str | os.PathLike | None = None,
    team: str | None = None,
    month: str | None = None,
) -> list[dict[str, Any]]:
    """One projection per cluster in the spec: pools, totals, budget headroom and policy verdict."""
    specs, catalog, out = parse_spec(spec_path), load_catalog(warehouse), []
    for c in specs:
        c.team = team or c.team
        try:
            pools = [price_pool(c, p, catalog, policy) for p in c.pools]
        except EstimateError as exc:
            raise EstimateError(f"{spec_path}: {exc}") from None
        total = round(sum(p["projected_monthly"] for p in pools), 2)
        budget = budget_headroom(c.team, month, warehouse)
        if budget:
            budget["headroom_after"] = round(budget["budget"] - (budget["run_rate"] or 0.0) - total, 2)
        sums = {k: round(sum(p[k] for p in pools), 2) for k in ("on_demand_monthly", "spot_monthly")}
        out.append(
            {"cluster": c.name, "provider": pools[0]["provider"], "region": c.region, "team": c.team, "pools": pools}
            | sums
            | {"projected_monthly": total, "budget": budget, "policy": verdict(pools, budget, total, policy)}
            | {"policy_version": policy.digest}
        )
    return out


def render(r: dict[str, Any]) -> str:
    """Human-readable projection of one cluster."""
    lines = [f"cluster {r['cluster']} ({r['provider']}, {r['region'] or 'region unknown'}), team {r['team'] or '?'}"]
    lines.append(
        f"  {'pool':<16}{'instance':<18}{'capacity':<10}{'nodes':>5} {'min-max':<8}{'$/h od':>9}{'$/h spot':>10}"
        f"{'od/month':>12}{'spot/month':>12}{'projected':>12}"
    )
    for p in r["pools"]:
        rng = "-" if p["min"] is None and p["max"] is None else f"{p['min']}-{p['max']}".replace("None", "?")
        spot = f"{p['spot_hourly']:.4f}" + ("*" if p["spot_derived"] else " ")
        lines.append(
            f"  {p['name']:<16}{p['instance_type']:<18}{p['capacity_type']:<10}{p['count']:>5} {rng:<8}"
            f"{p['on_demand_hourly']:>9.4f}{spot:>10}{p['on_demand_monthly']:>12,.2f}{p['spot_monthly']:>12,.2f}"
            f"{p['projected_monthly']:>12,.2f}" + (f"  ({p['note']})" if p["note"] else "")
        )
    sums = f"{r['on_demand_monthly']:>12,.2f}{r['spot_monthly']:>12,.2f}{r['projected_monthly']:>12,.2f}"
    lines.append(f"  {'total (USD/month)':<66}{sums}")
    if any(p["spot_derived"] for p in r["pools"]):
        lines.append("  * spot price derived (not in the catalog): on-demand x the policy's spot_fallback_factor")
    b = r["budget"]
    if b is None:
        lines.append(f"budget: no budget for team {r['team'] or '(unknown: pass --team)'}")
    else:
        usd = lambda v: f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"  # noqa: E731
        rate = usd(b["run_rate"]) if b["run_rate"] is not None else "unknown"
        lines.append(
            f"budget {b['team']} {b['month']}: {usd(b['budget'])} {b['currency']}; current run-rate {rate}; "
            f"this cluster {usd(r['projected_monthly'])}; headroom after {usd(b['headroom_after'])}"
        )
    v = r["policy"]
    lines.append(f"policy {r['policy_version']}: {v['verdict'].upper()}" + "".join(f"\n  - {x}" for x in v["reasons"]))
    return "\n".join(lines)
