"""Dagster entry point: loads each domain under ``orchestration/defs`` and adds project-wide policy.

Project-wide policy: one process writes the DuckDB warehouse at a time, so every run executes its steps
in process and the warehouse-writing assets share the ``duckdb_warehouse`` pool (limit 1 in
``orchestration/dagster.yaml``).
"""

from __future__ import annotations

import importlib
import importlib.util

import dagster as dg

# Lineage order; each package ``orchestration/defs/<domain>`` exposes ``defs() -> dg.Definitions``.
DOMAINS = ("ingestion", "transform", "quality", "ml", "exports", "actions", "jobs")


def domain_defs() -> list[dg.Definitions]:
    """The definitions of every domain package present under ``orchestration/defs``."""
    out = []
    for name in DOMAINS:
        module = f"orchestration.defs.{name}"
        if importlib.util.find_spec(module) is not None:
            out.append(importlib.import_module(module).defs())
    return out


defs = dg.Definitions.merge(*domain_defs(), dg.Definitions(executor=dg.in_process_executor))
