"""Ground truth versus the written files, and agreement between Palette, Prometheus and the bills."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from demo import generate


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(estate_dir, tmp_path):
    again = tmp_path / "again"
    generate(again, days=14, seed=7)
    assert _hashes(again) == _hashes(estate_dir)
    other = tmp_path / "other"
    generate(other, days=14, seed=8, only=("aws",))
    assert _hashes(other)["ground_truth.json"] != _hashes(estate_dir)["ground_truth.json"]


def _latest_azure(root: Path, export: str) -> dict[str, Path]:
    """Latest run (by yyyyMMddHHmm folder) per month folder, the loader's replace rule."""
    latest: dict[str, Path] = {}
    for p in sorted((root / "azure").rglob(f"{export}/*/*/part_0_0001.csv")):
        month = p.parents[3].name
        if month not in latest or p.parents[1].name > latest[month].parents[1].name:
            latest[month] = p
    return latest


def test_expected_totals_match_files(estate_dir, truth):
    totals = {(t["source"], t["billing_period"]): t for t in truth["expected_totals"]}
    cur = duckdb.sql(f"""select strftime(bill_billing_period_start_date, '%Y-%m') as period, count(*) as n,
                         sum(line_item_unblended_cost) as cost
                         from read_parquet('{estate_dir}/aws/cur/**/*.parquet') group by 1""").fetchall()
    for period, n, cost in cur:
        assert totals[("aws_cur", period)]["rows"] == n
        assert totals[("aws_cur", period)]["billed_cost"] == pytest.approx(round(cost, 2), abs=0.005)
    for export, key, rows_key in (
        ("finops-demo-actual", "billed_cost", "rows"),
        ("finops-demo-amortized", "amortized_cost", "amortized_rows"),
    ):
        for month, path in _latest_azure(estate_dir, export).items():
            df = pd.read_csv(path, encoding="utf-8-sig")
            period = f"{month[:4]}-{month[4:6]}"
            assert totals[("azure_cost", period)][rows_key] == len(df)
            assert totals[("azure_cost", period)][key] == pytest.approx(round(df["Cost"].sum(), 2), abs=0.005)
    gcp = duckdb.sql(f"""select invoice.month as m, count(*) as n,
                         sum(cost)
                         + sum(coalesce((select sum(c.amount) from unnest(credits) as t(c)), 0)) as net
                         from read_json('{estate_dir}/gcp/billing_export/*.json', format='newline_delimited')
                         group by 1""").fetchall()
    for m, n, net in gcp:
        t = totals[("gcp_billing", f"{m[:4]}-{m[4:]}")]
        assert t["rows"] == n and t["billed_cost"] == pytest.approx(round(net, 2), abs=0.005)
    assert {s for s, _ in totals} == {"aws_cur", "azure_cost", "gcp_billing"}


def test_every_node_is_billed(estate_dir):
    series = estate_dir / "prometheus" / "series.parquet"
    ids = [
        json.loads(x)["provider_id"]
        for (x,) in duckdb.sql(
            f"select distinct labels from read_parquet('{series}') where metric = 'kube_node_info'"
        ).fetchall()
    ]
    aws = {
        r
        for (r,) in duckdb.sql(
            f"select distinct line_item_resource_id from read_parquet('{estate_dir}/aws/cur/**/*.parquet')"
        ).fetchall()
    }
    azure = set()
    for p in (estate_dir / "azure").rglob("part_0_0001.csv"):
        azure |= set(pd.read_csv(p, encoding="utf-8-sig", usecols=["ResourceId"])["ResourceId"].dropna().str.lower())
    gcp = {
        json.loads(line)["resource"]["name"].rsplit("/", 1)[-1]
        for f in (estate_dir / "gcp" / "billing_export").glob("*.json")
        for line in f.read_text().splitlines()
    }
    assert len(ids) >= 40
    for pid in ids:
        if pid.startswith("aws://"):
            assert pid.rsplit("/", 1)[-1] in aws, pid
        elif pid.startswith("azure://"):
            assert pid.removeprefix("azure://").lower() in azure, pid
        else:
            assert pid.rsplit("/", 1)[-1] in gcp, pid


def test_palette_consumption_equals_prometheus_usage(estate_dir):
    tenant = json.loads((estate_dir / "palette" / "tenant.json").read_text())
    names = {c["metadata"]["uid"]: c["metadata"]["name"] for c in tenant["clusters"]}
    series = estate_dir / "prometheus" / "series.parquet"
    prom = duckdb.sql(f"""
        with s as (select metric, labels, json_extract_string(labels, '$.cluster') as cluster,
                          json_extract_string(labels, '$.namespace') as namespace, timestamp, value,
                          value - coalesce(lag(value) over (partition by metric, labels
                                                            order by timestamp), 0) as inc
                   from read_parquet('{series}')
                   where metric in ('container_cpu_usage_seconds_total',
                                    'container_memory_working_set_bytes'))
        select cluster, namespace, timestamp // 86400 * 86400 as day,
               sum(case when metric = 'container_cpu_usage_seconds_total' then inc end)
                   / 3600 / 24 as cpu,
               sum(case when metric = 'container_memory_working_set_bytes' then value end)
                   / 24 / 1048576 as mem
        from s group by all""").df()
    got = {(r.cluster, r.namespace, int(r.day)): (r.cpu, r.mem) for r in prom.itertuples()}
    checked = 0
    for uid, per_ns in tenant["consumption"].items():
        for ns, points in per_ns.items():
            for p in points:
                cpu, mem = got[(names[uid], ns, p["timestamp"])]
                assert p["usage"]["cpu"] == pytest.approx(cpu, abs=1e-5)
                assert p["usage"]["memory"] == pytest.approx(mem, rel=1e-6, abs=1e-3)
                checked += 1
    assert checked == len(got)


def test_anomalies_visible_in_data(estate_dir, truth):
    kinds = {a["kind"]: a for a in truth["anomalies"]}
    assert set(kinds) == {"runaway_autoscaler", "spot_interruption", "forgotten_gpu_pool", "egress_spike"}
    assert all(a["extra_cost"] > 0 for a in kinds.values())
    series = estate_dir / "prometheus" / "series.parquet"
    nodes = duckdb.sql(f"""select timestamp, count(*) as n from read_parquet('{series}')
                           where metric = 'kube_node_labels'
                             and json_extract_string(labels, '$.cluster') = 'prod-search-use1'
                             and json_extract_string(labels, '$.label_spectrocloud_com_machine_pool')
                                 = 'workers'
                           group by 1 order by 1""").df()
    nodes["day"] = pd.to_datetime(nodes["timestamp"], unit="s").dt.strftime("%Y-%m-%d")
    a = kinds["runaway_autoscaler"]
    inside = nodes[(nodes.day >= a["start_date"]) & (nodes.day <= a["end_date"])]
    assert nodes[nodes.day < a["start_date"]]["n"].max() == 3 and inside["n"].max() == 14
    gpu = duckdb.sql(f"""select count(*) from read_parquet('{series}')
                         where metric = 'kube_node_status_capacity'
                         and json_extract_string(labels, '$.resource') = 'nvidia_com_gpu'
                         and json_extract_string(labels, '$.cluster') = 'ml-train-use1'""").fetchall()[0][0]
    gpu_requests = duckdb.sql(f"""select count(*) from read_parquet('{series}')
                                  where metric = 'kube_pod_container_resource_requests'
                                  and json_extract_string(labels, '$.node') like '%' and
                                  json_extract_string(labels, '$.resource') = 'nvidia_com_gpu'
                               """).fetchall()[0][0]
    assert gpu > 0 and gpu_requests == 0
    e = kinds["egress_spike"]
    egress = (
        duckdb.sql(f"""select strftime(line_item_usage_start_date, '%Y-%m-%d') as d,
                                   sum(line_item_usage_amount) as gb
                            from read_parquet('{estate_dir}/aws/cur/**/*.parquet')
                            where line_item_usage_type = 'USE1-DataTransfer-Out-Bytes'
                              and resource_tags['user_spectrocloud_com_cluster_name'] = 'data-lake-use1'
                            group by 1""")
        .df()
        .set_index("d")["gb"]
    )
    assert egress[e["start_date"]] > 10 * egress[egress.index < e["start_date"]].median()


def test_ground_truth_owners_and_rightsizing(truth):
    assert {o["team"] for o in truth["unlabeled_owners"]} <= {t["team"] for t in truth["teams"]}
    assert any(o["resource_id"] for o in truth["unlabeled_owners"]) and any(
        not o["resource_id"] for o in truth["unlabeled_owners"]
    )
    for o in truth["overprovisioned"]:
        assert o["true_cpu_p95"] < o["requested_cpu"] / 4
        assert o["true_memory_peak_bytes"] < o["requested_memory_bytes"] / 2


def test_cur_rows_scale_mode(tmp_path):
    summary = generate(tmp_path, cur_rows=200_000, only=("aws",))
    total = summary["expected_totals"][0]
    n, cost = duckdb.sql(
        f"select count(*), sum(line_item_unblended_cost) from read_parquet('{tmp_path}/aws/cur/**/*.parquet')"
    ).fetchall()[0]
    assert 200_000 <= n <= 201_000 and total["rows"] == n
    assert total["billed_cost"] == pytest.approx(round(cost, 2), abs=0.005)


def test_cli_rejects_bad_input(capsys):
    from demo.cli import main

    assert main(["generate", "--out", "/tmp/never", "--days", "3"]) == 2
    assert "error:" in capsys.readouterr().err
