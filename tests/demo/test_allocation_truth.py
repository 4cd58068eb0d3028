"""The generator's independent allocation ground truth (allocation_rule.md): conservation and routing."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from demo.allocation_truth import UNALLOCATED, _prom_cpu_rate, allocate
from demo.aws import write_aws
from demo.azure import write_azure
from demo.billing import months
from demo.emulators.prometheus import load_series
from demo.emulators.promql import evaluate, parse
from demo.estate import build_estate
from demo.gcp import write_gcp


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    """The same 14-day seed-7 estate as ``estate_dir``, in memory, with the billing writers' summaries."""
    est = build_estate(7, 14)
    out = tmp_path_factory.mktemp("alloc14")
    periods = months(est)
    redelivered = periods[-2] if len(periods) > 1 else periods[-1]
    summaries = {
        "aws": write_aws(est, out, redelivered),
        "azure": write_azure(est, out, redelivered),
        "gcp": write_gcp(est, out),
    }
    return est, summaries


@pytest.fixture(scope="module")
def ledger(estate):
    est, summaries = estate
    return allocate(est, summaries)


def _per_period(rows: list[dict], key: str) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for r in rows:
        out[r["billing_period"]] += r[key]
    return out


def test_team_totals_conserve_billed_and_effective(truth):
    teams = truth["team_totals"]
    assert {t["team"] for t in teams} == {"checkout", "data-eng", "ml-platform", "payments", "search", UNALLOCATED}
    billed = _per_period(truth["expected_totals"], "billed_cost")
    effective: dict[str, float] = defaultdict(float)
    for t in truth["expected_totals"]:
        effective[t["billing_period"]] += t.get("amortized_cost", t["billed_cost"])
    team_billed, team_eff = _per_period(teams, "billed_cost"), _per_period(teams, "effective_cost")
    assert set(team_billed) == set(billed) == set(truth["meta"]["billing_periods"])
    for period in billed:
        assert team_billed[period] == pytest.approx(billed[period], abs=0.05)
        assert team_eff[period] == pytest.approx(effective[period], abs=0.05)
        buckets = [a for a in truth["allocation_totals"] if a["billing_period"] == period]
        assert sum(a["billed_cost"] for a in buckets) == pytest.approx(billed[period], abs=0.1)
        assert {a["bucket"] for a in buckets} == {"allocated", "idle", "shared", "unallocated"}
    assert sum(team_billed.values()) > 1000
    # the unallocated team carries the RI / savings plan fees on the billed side, not on the effective side
    unalloc = [t for t in teams if t["team"] == UNALLOCATED]
    assert sum(t["billed_cost"] for t in unalloc) > sum(t["effective_cost"] for t in unalloc) + 100


def test_hourly_split_of_every_node_equals_its_daily_cost(ledger):
    assert len(ledger.node_split) > 40
    billed_days = 0
    for split, cost in ledger.node_split.values():
        np.testing.assert_allclose(split, cost, rtol=1e-9, atol=1e-9)
        billed_days += int((cost[:, 1] > 0).sum())
    assert billed_days > 500
    idle = sum(v[:, 1].sum() for (_, bucket, _), v in ledger.cells.items() if bucket == "idle")
    assert idle > 0


def test_untagged_volumes_of_unlabeled_owners_are_unallocated(estate, truth, ledger):
    est, _ = estate
    untagged = [o for o in truth["unlabeled_owners"] if o["resource_id"]]
    assert len(untagged) == 4
    for o in untagged:
        assert ledger.routes[(o["provider"], o["resource_id"])] == "unallocated"
    rules = defaultdict(int)
    for rule in ledger.routes.values():
        rules[rule] += 1
    volumes = [v for c in est.clusters for ns in c.namespaces for v in ns.volumes]
    assert rules["node"] == sum(len(c.nodes) for c in est.clusters)
    assert rules["volume"] == len(volumes) - len(untagged)
    # one load balancer (+ its egress) and one control plane per cluster; the two non-prod AKS pay no SLA fee
    assert rules["cluster_overhead"] == 2 * len(est.clusters) - 2
    assert ledger.routes[("aws", None)] == "unallocated"  # credit, tax and RI fee lines have no resource


def test_overprovisioned_workloads_carry_workload_idle(truth, ledger):
    ratio = {k: idle / cost for k, (cost, idle) in ledger.workloads.items() if cost > 0}
    over = {(o["cluster"], o["namespace"], o["workload"]) for o in truth["overprovisioned"]}
    assert len(over) == 6
    others = float(np.median([r for k, r in ratio.items() if k not in over]))
    for k in over:
        assert ratio[k] > 0.6
        assert ratio[k] > others + 0.2


def test_cpu_usage_is_what_prometheus_yields(estate, estate_dir):
    est, _ = estate
    pod = next(p for c in est.clusters for p in c.pods if p.start_h > 0)
    index = load_series(estate_dir / "prometheus" / "series.parquet")
    steps = est.start_ts + np.arange(pod.start_h, pod.end_h) * 3600
    ((_, rate),) = evaluate(parse(f'rate(container_cpu_usage_seconds_total{{pod="{pod.name}"}}[1h])'), index, steps)
    assert np.isnan(rate[0])  # a counter's first sample has no rate
    np.testing.assert_allclose(_prom_cpu_rate(pod.cpu_usage), np.nan_to_num(rate), rtol=1e-12, atol=1e-12)


def test_even_split_moves_shared_cost_but_keeps_totals(estate, ledger):
    est, summaries = estate
    even = allocate(est, summaries, how="even")

    def by_team(led) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(2))
        for (_, _, team), v in led.cells.items():
            out[team] += v.sum(0)
        return out

    weighted, spread_even = by_team(ledger), by_team(even)
    total = sum(weighted.values())
    np.testing.assert_allclose(sum(spread_even.values()), total, rtol=1e-12)
    assert max(abs(weighted[t][1] - spread_even[t][1]) for t in weighted) > 1.0
    assert "platform" not in weighted  # kube-system and monitoring are fully spread
