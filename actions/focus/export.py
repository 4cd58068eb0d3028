"""Write FOCUS datasets from the DuckDB warehouse to Parquet and CSV files.

Pure: reads one warehouse read-only and writes files; no dbt run, no environment lookups. The marts already
carry FOCUS column names; date/time columns are written as UTC ISO 8601 text (``2026-10-01T00:00:00Z``, the
FOCUS DateTimeFormat that focus-validator and FOCUS readers expect).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from actions.focus.datasets import FocusDataset, datasets_for

FORMATS = ("parquet", "csv")
_COPY_OPTIONS = {"parquet": "(format parquet, compression zstd)", "csv": "(format csv, header true)"}


def export_relation(con: duckdb.DuckDBPyConnection, relation: str, output: Path) -> dict:
    """Copy `relation` to `output` (.parquet or .csv, by suffix); returns {"path", "rows", "billed_cost"}.

    billed_cost is the file's sum of BilledCost (None when the relation has no such column)."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in _COPY_OPTIONS:
        raise ValueError(f"unsupported output type .{suffix}: use .parquet or .csv")
    output.parent.mkdir(parents=True, exist_ok=True)
    columns = con.execute(f"describe {relation}").fetchall()
    select = ", ".join(
        f"strftime({_quote(name)}, '%Y-%m-%dT%H:%M:%SZ') as {_quote(name)}"
        if kind.upper().startswith("TIMESTAMP")
        else _quote(name)
        for name, kind, *_ in columns
    )
    con.execute(f"copy (select {select} from {relation}) to '{_sql_string(output)}' {_COPY_OPTIONS[suffix]}")
    has_billed = any(name == "BilledCost" for name, *_ in columns)
    billed_sql = 'coalesce(sum("BilledCost"), 0)' if has_billed else "null"
    rows, billed = con.execute(f"select count(*), {billed_sql} from {relation}").fetchone()
    return {"path": str(output), "rows": int(rows), "billed_cost": None if billed is None else float(billed)}


def export_datasets(
    warehouse: str | Path,
    out_dir: str | Path,
    version: str,
    allocated: bool | None = None,
    formats: tuple[str, ...] = FORMATS,
) -> dict:
    """Write every dataset of FOCUS `version` to `out_dir` as ``focus_<version>_<dataset>.<format>``.

    Returns {"version", "allocated_charges", "datasets": {DatasetId: {"relation", "rows", "billed_cost",
    "files"}}} so callers can reconcile the files with the warehouse."""
    datasets = datasets_for(version, allocated)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unsupported format(s) {sorted(unknown)}: use {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    summary: dict = {"version": version, "allocated_charges": _allocated(version, allocated), "datasets": {}}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for dataset in datasets:
            summary["datasets"][dataset.dataset_id] = _export_dataset(con, dataset, out_dir, version, formats)
    return summary


def _export_dataset(con, dataset: FocusDataset, out_dir: Path, version: str, formats: tuple[str, ...]) -> dict:
    stem = f"focus_{version.replace('.', '_')}_{dataset.file_stem}"
    written = [export_relation(con, dataset.relation, out_dir / f"{stem}.{fmt}") for fmt in formats]
    first = written[0]
    return {
        "relation": dataset.relation,
        "rows": first["rows"],
        "billed_cost": first["billed_cost"],
        "files": [w["path"] for w in written],
    }


def _allocated(version: str, allocated: bool | None) -> bool:
    return version != "1.2" if allocated is None else allocated


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")
