"""Append-only, hash-chained audit trail: a JSONL file (the record) mirrored in ``actions.audit_log``.

Each entry holds seq, ts, kind, run_id, inputs (billing-period versions read), rule_version, payload,
prev_hash and hash = sha256 of the canonical JSON of all the other fields. A ``.head`` file beside the
trail (and the warehouse table) remembers the last seq and hash, so deleting the last line is caught too.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from finops_core.warehouse import warehouse_path

KINDS = ("finding", "decision", "override", "export", "delivery", "transition")
FIELDS = ("seq", "ts", "kind", "run_id", "inputs", "rule_version", "payload", "prev_hash")
GENESIS = "0" * 64
AUDIT_ENV = "FINOPS_AUDIT_PATH"
TABLE = ("actions", "audit_log")


def default_path(warehouse: str | os.PathLike | None = None) -> Path:
    """$FINOPS_AUDIT_PATH, else ``<warehouse dir>/audit/audit.jsonl`` (the trail the demo writes)."""
    env = os.environ.get(AUDIT_ENV)
    return Path(env) if env else warehouse_path(warehouse).parent / "audit" / "audit.jsonl"


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical({k: entry.get(k) for k in FIELDS}).encode()).hexdigest()


def _head_file(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _last_entry(path: Path) -> dict[str, Any] | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        pos, tail = fh.tell(), b""
        while pos > 0 and tail.count(b"\n") < 2:
            step = min(4096, pos)
            pos -= step
            fh.seek(pos)
            tail = fh.read(step) + tail
    return json.loads(tail.strip().splitlines()[-1])


def append(
    entries: Iterable[dict[str, Any]],
    path: str | os.PathLike | None = None,
    warehouse: str | os.PathLike | None = None,
) -> list[dict[str, Any]]:
    """Chain and append entries (dicts with kind, payload, run_id, inputs, rule_version; ts optional).

    Writes the JSONL trail under an exclusive lock and, when ``warehouse`` is given, mirrors the new rows
    into ``actions.audit_log`` (run it inside the ``WAREHOUSE_POOL`` (orchestration) pool). Returns the entries written.
    """
    entries = list(entries)
    if not entries:
        return []
    file = Path(path) if path else default_path(warehouse)
    file.parent.mkdir(parents=True, exist_ok=True)
    written: list[dict[str, Any]] = []
    with open(file, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            last = _last_entry(file)
            seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
            for raw in entries:
                if raw.get("kind") not in KINDS:
                    raise ValueError(f"audit entry kind {raw.get('kind')!r} is not one of {', '.join(KINDS)}")
                seq += 1
                entry = {
                    "seq": seq,
                    "ts": raw.get("ts") or datetime.now(UTC).isoformat(timespec="microseconds"),
                    "kind": raw["kind"],
                    "run_id": raw.get("run_id") or "",
                    "inputs": raw.get("inputs") or {},
                    "rule_version": raw.get("rule_version") or "",
                    "payload": json.loads(canonical(raw.get("payload") or {})),
                    "prev_hash": prev,
                }
                entry["hash"] = prev = entry_hash(entry)
                written.append(entry)
            fh.write("".join(canonical(e) + "\n" for e in written))
            fh.flush()
            os.fsync(fh.fileno())
            if written:
                tmp = _head_file(file).with_suffix(".tmp")
                tmp.write_text(canonical({"seq": seq, "hash": prev}) + "\n")
                tmp.replace(_head_file(file))
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    if warehouse is not None and written:
        sync_warehouse(file, warehouse)
    return written


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    seq: int | None = None  # first entry at fault
    line: int | None = None  # its line in the file (1-based)
    problem: str = ""
    head_hash: str = ""

    def message(self, path: str | os.PathLike = "") -> str:
        if self.ok:
            return f"audit trail intact: {self.entries} entries, head {self.head_hash[:16]}"
        if self.seq is None:
            return self.problem
        return f"audit trail {path} broken at entry seq {self.seq} (line {self.line}): {self.problem}"


def _seq(text: str) -> int | None:
    try:
        return int(json.loads(text)["seq"])
    except (ValueError, KeyError, TypeError):
        return None


def verify_entries(rows: list[tuple[int, str]], head: dict[str, Any] | None = None) -> VerifyResult:
    """Check (line number, JSON text) rows: hashes, chain, seq order and the recorded head."""
    prev, expected = GENESIS, 1
    seqs = {_seq(text) for _, text in rows}
    for line, text in rows:
        try:
            e = json.loads(text)
            seq = int(e["seq"])
        except (ValueError, KeyError, TypeError):
            return VerifyResult(False, line - 1, expected, line, "not a readable entry (edited)")
        if entry_hash(e) != e.get("hash"):
            return VerifyResult(False, line - 1, seq, line, "contents do not match its hash (edited)")
        if seq > expected and expected in seqs:
            return VerifyResult(False, line - 1, seq, line, f"out of order (expected seq {expected}): reordered")
        if seq > expected:
            gone = f"{expected}" if seq == expected + 1 else f"{expected}-{seq - 1}"
            return VerifyResult(False, line - 1, expected, line, f"entry seq {gone} before this line was deleted")
        if seq < expected:
            return VerifyResult(False, line - 1, seq, line, f"out of order (expected seq {expected}): reordered")
        if e["prev_hash"] != prev:
            return VerifyResult(False, line - 1, seq, line, "previous hash does not match the entry before it")
        prev, expected = e["hash"], expected + 1
    n = expected - 1
    if head and (int(head.get("seq", 0)) > n or (int(head.get("seq", 0)) == n and head.get("hash") != prev)):
        last = rows[-1][0] if rows else 0
        return VerifyResult(
            False, n, n + 1, last + 1, f"the trail ends at seq {n} but its head records seq {head['seq']}: deleted"
        )
    return VerifyResult(True, n, head_hash=prev)


def verify(path: str | os.PathLike | None = None, warehouse: str | os.PathLike | None = None) -> VerifyResult:
    """Verify a JSONL trail (default: the demo's) against its chain and head; when a warehouse is given
    and holds ``actions.audit_log``, also that the table's head is in the file."""
    file = Path(path) if path else default_path(warehouse)
    if not file.exists():
        return VerifyResult(False, 0, None, None, f"no audit trail at {file}")
    with open(file, encoding="utf-8") as fh:
        rows = [(i, text) for i, text in enumerate(fh, start=1) if text.strip()]
    head_file = _head_file(file)
    head = json.loads(head_file.read_text()) if head_file.exists() else None
    if warehouse is not None:
        table_head = _table_head(warehouse)
        if table_head and (head is None or table_head["seq"] > int(head["seq"])):
            head = table_head
    return verify_entries(rows, head)


def _table_head(warehouse: str | os.PathLike) -> dict[str, Any] | None:
    wh = warehouse_path(warehouse)
    if not wh.exists():
        return None
    with duckdb.connect(str(wh), read_only=True) as con:
        if not _has_table(con):
            return None
        row = con.execute('select seq, hash from "actions"."audit_log" order by seq desc limit 1').fetchone()
    return {"seq": row[0], "hash": row[1]} if row else None


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(sql, list(TABLE)).fetchone()[0] > 0


def sync_warehouse(path: str | os.PathLike, warehouse: str | os.PathLike | None = None) -> int:
    """Append to ``actions.audit_log`` the trail's entries it does not hold yet; returns rows added."""
    file = Path(path)
    with duckdb.connect(str(warehouse_path(warehouse))) as con:
        con.execute('create schema if not exists "actions"')
        con.execute(
            'create table if not exists "actions"."audit_log" (seq bigint primary key, ts varchar, kind varchar, '
            "run_id varchar, inputs json, rule_version varchar, payload json, prev_hash varchar, hash varchar)"
        )
        have = con.execute('select coalesce(max(seq), 0) from "actions"."audit_log"').fetchone()[0]
        rows = []
        if file.exists():
            with open(file, encoding="utf-8") as fh:
                for text in fh:
                    e = json.loads(text) if text.strip() else None
                    if e and e["seq"] > have:
                        rows.append([e[k] if k not in ("inputs", "payload") else canonical(e[k]) for k in FIELDS])
                        rows[-1].append(e["hash"])
        if rows:
            con.executemany('insert into "actions"."audit_log" values (?, ?, ?, ?, ?, ?, ?, ?, ?)', rows)
    return len(rows)


def billing_versions(warehouse: str | os.PathLike | None = None) -> dict[str, dict[str, str]]:
    """Version of every billing period read: ``{source/export: {period: delivery id}}`` from the raw tables."""
    wh = warehouse_path(warehouse)
    if not wh.exists():
        return {}
    out: dict[str, dict[str, str]] = {}
    with duckdb.connect(str(wh), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.columns where column_name = '_delivery_id' "
            "and table_schema like 'raw\\_%' escape '\\' and table_schema not like '%\\_staging' escape '\\'"
        ).fetchall()
        for schema, table in sorted(tables):
            sql = (
                f"select _export, _billing_period, string_agg(distinct _delivery_id, ',' order by _delivery_id) "
                f'from "{schema}"."{table}" group by all order by all'
            )
            for export, period, delivery in con.execute(sql).fetchall():
                out.setdefault(f"{schema.removeprefix('raw_')}/{export}", {})[str(period)] = delivery
    return out
