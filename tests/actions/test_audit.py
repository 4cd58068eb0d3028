"""The hash-chained audit trail: chaining, warehouse mirror, and tamper detection (edit, delete, reorder) by
`verify` and `finops audit verify`."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from actions import audit
from orchestration.cli import app


def entries(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "kind": ["finding", "decision", "transition", "export", "delivery", "override"][(start + i) % 6],
            "run_id": "run-1",
            "inputs": {"aws_cur/finops-demo-cur": {"2026-09": "d-2"}},
            "rule_version": "abc123",
            "payload": {"finding_id": f"wor-{start + i:016x}", "impact_usd": 100.5 + i},
            "ts": f"2026-11-01T00:00:{start + i:02d}+00:00",
        }
        for i in range(n)
    ]


@pytest.fixture
def trail(tmp_path):
    path = tmp_path / "audit" / "audit.jsonl"
    audit.append(entries(3), path)
    audit.append(entries(3, start=3), path)  # a second writer continues the same chain
    return path


def lines(path):
    return path.read_text().splitlines()


def test_entries_are_chained_and_the_trail_verifies(trail):
    rows = [json.loads(x) for x in lines(trail)]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:], strict=False))
    assert all(r["hash"] == audit.entry_hash(r) for r in rows)
    assert set(rows[0]) == {"seq", "ts", "kind", "run_id", "inputs", "rule_version", "payload", "prev_hash", "hash"}
    res = audit.verify(trail)
    assert res.ok and res.entries == 6 and res.head_hash == rows[-1]["hash"]
    assert json.loads(trail.with_name("audit.jsonl.head").read_text()) == {"seq": 6, "hash": rows[-1]["hash"]}
    with pytest.raises(ValueError, match="kind 'gossip' is not one of"):
        audit.append([{"kind": "gossip"}], trail)


def test_edit_is_caught_at_the_edited_entry(trail):
    rows = lines(trail)
    rows[2] = rows[2].replace('"impact_usd":102.5', '"impact_usd":1.5')
    trail.write_text("\n".join(rows) + "\n")
    res = audit.verify(trail)
    assert (res.ok, res.seq, res.line) == (False, 3, 3) and "edited" in res.problem


def test_deleting_a_middle_entry_is_caught(trail):
    rows = lines(trail)
    del rows[3]
    trail.write_text("\n".join(rows) + "\n")
    res = audit.verify(trail)
    assert (res.ok, res.seq, res.line) == (False, 4, 4) and "seq 4 before this line was deleted" in res.problem


def test_deleting_the_last_entry_is_caught_by_the_head(trail):
    trail.write_text("\n".join(lines(trail)[:-1]) + "\n")
    res = audit.verify(trail)
    assert (res.ok, res.seq, res.line) == (False, 6, 6) and "head records seq 6: deleted" in res.problem


def test_swapping_two_entries_is_caught_as_reordered(trail):
    rows = lines(trail)
    rows[1], rows[2] = rows[2], rows[1]
    trail.write_text("\n".join(rows) + "\n")
    res = audit.verify(trail)
    assert (res.ok, res.seq, res.line) == (False, 3, 2) and "reordered" in res.problem


def test_rewriting_the_whole_tail_with_fresh_hashes_breaks_the_link(trail):
    rows = [json.loads(x) for x in lines(trail)]
    rows[4]["payload"]["impact_usd"] = 0
    rows[4]["hash"] = audit.entry_hash(rows[4])  # a forger recomputes this entry's hash ...
    trail.write_text("".join(audit.canonical(r) + "\n" for r in rows))
    res = audit.verify(trail)  # ... but the next entry still points at the old one
    assert (res.ok, res.seq, res.line) == (False, 6, 6) and "previous hash" in res.problem


def test_warehouse_mirror_and_its_head(tmp_warehouse, tmp_path):
    path = tmp_path / "trail.jsonl"
    written = audit.append(entries(4), path, tmp_warehouse)
    with duckdb.connect(str(tmp_warehouse), read_only=True) as con:
        got = con.execute(
            "select seq, kind, hash, payload->>'finding_id' from actions.audit_log order by seq"
        ).fetchall()
    assert got == [(e["seq"], e["kind"], e["hash"], e["payload"]["finding_id"]) for e in written]
    audit.append(entries(2, start=4), path)  # written to the file only: sync brings the table up to date
    assert audit.sync_warehouse(path, tmp_warehouse) == 2 and audit.sync_warehouse(path, tmp_warehouse) == 0
    assert audit.verify(path, tmp_warehouse).ok
    # the warehouse remembers seq 6 even when both the last line and the head file are removed
    path.write_text("\n".join(lines(path)[:-1]) + "\n")
    path.with_name("trail.jsonl.head").unlink()
    assert audit.verify(path).ok  # the file alone cannot tell ...
    res = audit.verify(path, tmp_warehouse)  # ... the warehouse can
    assert (res.ok, res.seq) == (False, 6)


def test_default_path_is_beside_the_warehouse(tmp_warehouse, monkeypatch):
    monkeypatch.delenv("FINOPS_AUDIT_PATH", raising=False)
    assert audit.default_path() == tmp_warehouse.parent / "audit" / "audit.jsonl"


def test_cli_verify_exit_codes(trail):
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--path", str(trail)])
    assert ok.exit_code == 0 and "intact: 6 entries" in ok.output
    rows = lines(trail)
    rows[4] = rows[4].replace('"run_id":"run-1"', '"run_id":"run-2"')
    trail.write_text("\n".join(rows) + "\n")
    bad = runner.invoke(app, ["audit", "verify", "--path", str(trail)])
    assert bad.exit_code == 1
    assert f"audit trail {trail} broken at entry seq 5 (line 5)" in bad.output and "edited" in bad.output
    missing = runner.invoke(app, ["audit", "verify", "--path", str(trail.with_name("none.jsonl"))])
    assert missing.exit_code == 2 and "no audit trail at" in missing.output


def test_billing_versions_name_each_source_period_delivery(tmp_warehouse):
    with duckdb.connect(str(tmp_warehouse)) as con:
        con.execute("create schema raw_aws_cur")
        con.execute(
            "create table raw_aws_cur.cost_and_usage as select * from (values "
            "('cur', '2026-09', 'exec-2'), ('cur', '2026-09', 'exec-2'), ('cur', '2026-10', 'exec-3')) "
            "t(_export, _billing_period, _delivery_id)"
        )
        con.execute("create schema raw_aws_cur_staging")
        con.execute(
            "create table raw_aws_cur_staging.x as select 'cur' _export, '2026-01' _billing_period, 'z' _delivery_id"
        )
    assert audit.billing_versions(tmp_warehouse) == {"aws_cur/cur": {"2026-09": "exec-2", "2026-10": "exec-3"}}
