"""Whether a warehouse holds generated demo data: the demo run records it, and every reader says so.

``finops demo`` (and ``finops dev`` when it wires the demo in) add a row to ``finops_meta.demo_data``;
nothing in the product writes it. ``finops summary`` and the team reports print :func:`demo_note` when
the table has a row, so numbers from a demo estate are never mistaken for real bills. A warehouse that
once held demo data keeps the mark (its demo periods stay loaded): start a new warehouse for real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

SCHEMA, TABLE = "finops_meta", "demo_data"


def record_demo(warehouse: str | os.PathLike, estate: str | os.PathLike) -> None:
    """Mark ``warehouse`` as holding the demo estate ``estate`` (one row per demo run)."""
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f"create table if not exists {SCHEMA}.{TABLE} (estate varchar, recorded_at timestamptz)")
        con.execute(f"insert into {SCHEMA}.{TABLE} values (?, now())", [str(estate)])


def demo_note(con: duckdb.DuckDBPyConnection) -> str | None:
    """The one line readers print when the warehouse holds demo data, else None."""
    sql = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    if not con.execute(sql, [SCHEMA, TABLE]).fetchone()[0]:
        return None
    row = con.execute(f"select estate from {SCHEMA}.{TABLE} order by recorded_at desc limit 1").fetchone()
    if row is None:
        return None
    return f"DEMO DATA: this warehouse holds the generated demo estate {row[0]}, not real bills"


def warehouse_demo_note(warehouse: str | os.PathLike) -> str | None:
    """:func:`demo_note` of a warehouse file opened read-only (None when there is no file)."""
    if not Path(warehouse).exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return demo_note(con)
