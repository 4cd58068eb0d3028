"""Conformance checks for the FOCUS 1.3 / 1.4 exports, generated from the specification's requirement statements.

Two checked-in tables (tests/fixtures/focus/, transcribed from the FOCUS specification, repository
FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, folder specification/: datasets/*/columns/*.md and attributes/):

* ``columns.csv``: each column's content constraints (data type, allows nulls, allowed values, value format), from
  which the requirements "X MUST be present", "X MUST be of type T", "X MUST conform to F", "X MUST NOT be null"
  and "X MUST be one of the allowed values" are generated (ids ``<Column>-C-001-M``, ``-002``, ``-003``, ``-009``,
  ``-010``; other datasets' columns are prefixed ``<Dataset>.``);
* ``requirements.csv``: conditional, format, split cost allocation and cross-dataset requirements, each a SQL
  query returning the rows that break it.

Ids follow focus-validator's naming (``<Column>-C-<n>-M``; ``-A-`` attributes, ``-D-`` datasets, ``-X-`` the keys
between datasets); the numbers are this project's, in the order of each section's statements. Checks run on the
exported Parquet files through DuckDB, so they test what a FOCUS reader gets.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "focus"
DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
NUMERIC_TYPES = ("DOUBLE", "FLOAT", "DECIMAL", "BIGINT", "INTEGER", "HUGEINT", "UBIGINT")


@dataclass(frozen=True)
class Requirement:
    """One requirement statement: its id, versions, dataset, text and the SQL returning the rows that break it."""

    id: str
    versions: tuple[str, ...]
    dataset: str
    text: str
    violations: str

    def applies_to(self, version: str) -> bool:
        return version in self.versions


def _column_requirements(row: dict) -> list[Requirement]:
    dataset, column, kind = row["dataset"], row["column"], row["data_type"]
    prefix = column if dataset == "CostAndUsage" else f"{dataset}.{column}"
    versions = tuple(row["versions"].split())
    quoted = f'"{column}"'

    def req(number: str, text: str, sql: str) -> Requirement:
        return Requirement(f"{prefix}-C-{number}-M", versions, dataset, text, sql)

    columns = f"(select column_name, column_type from (describe {dataset}) where column_name = '{column}')"
    out = [req("001", f"{column} MUST be present in a FOCUS dataset.", f"select 1 where not exists {columns}")]
    type_rule = {
        "String": "column_type <> 'VARCHAR'",
        "JSON": "column_type <> 'VARCHAR'",
        "DateTime": "column_type <> 'VARCHAR' and column_type not like 'TIMESTAMP%'",
        "Decimal": "column_type not in (" + ", ".join(f"'{t}'" for t in NUMERIC_TYPES) + ")"
        " and column_type not like 'DECIMAL%'",
    }[kind]
    out.append(req("002", f"{column} MUST be of type {kind}.", f"select * from {columns} where {type_rule}"))
    fmt = row["value_format"]
    format_rule = {
        "DateTimeFormat": f"not regexp_full_match(cast({quoted} as varchar), '{DATETIME}')",
        "CurrencyCodeFormat": f"not regexp_full_match({quoted}, '^[A-Z]{{3}}$')",
        "NumericFormat": f"isnan({quoted}) or isinf({quoted})",
        "JsonObjectFormat": f"not json_valid({quoted}) or json_type({quoted}) <> 'OBJECT'",
        "KeyValueFormat": f"not json_valid({quoted}) or json_type({quoted}) <> 'OBJECT' or exists "
        f"(select 1 from json_each({quoted}) as e where e.type in ('OBJECT', 'ARRAY'))",
    }.get(fmt)
    if format_rule:
        out.append(
            req("003", f"{column} MUST conform to {fmt} requirements.",
                f"select * from {dataset} where {quoted} is not null and ({format_rule})")
        )  # fmt: skip
    if row["allows_nulls"] == "no":
        out.append(req("009", f"{column} MUST NOT be null.", f"select * from {dataset} where {quoted} is null"))
    if row["allowed_values"]:
        values = row["allowed_values"].split("|")
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        out.append(
            req("010", f"{column} MUST be one of the allowed values: {', '.join(values)}.",
                f"select * from {dataset} where {quoted} is not null and {quoted} not in ({listed})")
        )  # fmt: skip
    return out


def requirements() -> list[Requirement]:
    """Every requirement of both tables, column requirements first."""
    with (FIXTURES / "columns.csv").open() as f:
        generated = [r for row in csv.DictReader(f) for r in _column_requirements(row)]
    with (FIXTURES / "requirements.csv").open() as f:
        written = [
            Requirement(
                row["id"], tuple(row["versions"].split()), row["dataset"], row["requirement"], row["violations"]
            )
            for row in csv.DictReader(f)
        ]
    return generated + written


def connect(files: dict[str, Path], version: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per dataset (CostAndUsage, CostAndUsageOrigin, ContractCommitment,
    BillingPeriod, InvoiceDetail) over the exported Parquet files, and ``focus_columns`` (the FOCUS columns of
    `version`, for the custom-column rule)."""
    con = duckdb.connect()
    for name, path in files.items():
        con.execute(f"create view {name} as select * from read_parquet('{path}')")
    with (FIXTURES / "columns.csv").open() as f:
        rows = [(r["dataset"], r["column"]) for r in csv.DictReader(f) if version in r["versions"].split()]
    con.execute("create table focus_columns (dataset varchar, column_name varchar)")
    con.executemany("insert into focus_columns values (?, ?)", rows)
    return con


def breaches(con: duckdb.DuckDBPyConnection, requirement: Requirement, limit: int = 3) -> tuple[int, list]:
    """How many rows break `requirement`, and the first `limit` of them."""
    count = con.execute(f"select count(*) from ({requirement.violations})").fetchone()[0]
    sample = con.execute(f"select * from ({requirement.violations}) limit {limit}").fetchall() if count else []
    return count, sample
