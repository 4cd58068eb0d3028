"""The catalogue of dlt sources: one place that maps a source name to its factory and raw tables.

The CLI (`finops load`), the Dagster assets and the tests all build sources through here, so a
source is configured the same way wherever it runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import dlt

from .common.stats import LoadStats


@dataclass(frozen=True)
class SourceSpec:
    name: str
    module: str
    factory: str
    kind: str  # "files" (path / s3 URL) or "api" (base URL)
    description: str
    after_load: str | None = None  # "module:function(pipeline)" run after every load; errors propagate

    def run_after_load(self, pipeline: dlt.Pipeline) -> None:
        if self.after_load:
            module, func = self.after_load.split(":")
            getattr(importlib.import_module(module), func)(pipeline)

    def load_factory(self):
        return getattr(importlib.import_module(self.module), self.factory)

    def core_columns(self) -> dict[str, dict[str, str]]:
        """{table: {column: duckdb type}} that staging relies on (empty if the source declares none)."""
        try:
            settings = importlib.import_module(f"{self.module}.settings")
        except ModuleNotFoundError:
            return {}
        tables = getattr(settings, "RAW_TABLES", None)
        if tables:
            return dict(tables)
        cols = getattr(settings, "CORE_COLUMNS", None)
        table = getattr(settings, "TABLE_NAME", None)
        return {table: dict(cols)} if cols and table else {}


SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec(
            "aws_cur",
            "ingestion.aws_cur",
            "aws_cur_source",
            "files",
            "AWS Cost and Usage Report (CUR 2.0 Parquet/CSV, legacy CSV), manifest-driven",
            after_load="ingestion.aws_cur.replace:drop_superseded",
        ),
        SourceSpec(
            "azure_cost",
            "ingestion.azure_cost",
            "azure_cost_source",
            "files",
            "Azure Cost Management exports (EA / MCA, actual and amortized)",
        ),
        SourceSpec(
            "gcp_billing",
            "ingestion.gcp_billing",
            "gcp_billing_source",
            "files",
            "GCP Cloud Billing detailed export (NDJSON nested or flattened CSV)",
        ),
        SourceSpec(
            "focus",
            "ingestion.focus",
            "focus_source",
            "files",
            "FOCUS 1.x cost and usage files from any provider (CSV/Parquet)",
        ),
        SourceSpec(
            "pricing",
            "ingestion.pricing",
            "pricing_source",
            "files",
            "Instance price catalog (on-demand, spot, commitments) and specs",
        ),
        SourceSpec(
            "palette",
            "ingestion.palette",
            "palette_source",
            "api",
            "Spectro Cloud Palette REST API: projects, clusters, machine pools, namespaces, usage",
        ),
        SourceSpec(
            "prometheus",
            "ingestion.prometheus",
            "prometheus_source",
            "api",
            "Prometheus HTTP API: kube-state-metrics and cAdvisor series",
        ),
    )
}

FILE_SOURCES = [n for n, s in SOURCES.items() if s.kind == "files"]
API_SOURCES = [n for n, s in SOURCES.items() if s.kind == "api"]


def get_spec(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source '{name}' (choose one of: {', '.join(SOURCES)})") from None


def build_source(
    name: str,
    location: str | list[str],
    *,
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
    **options: Any,
) -> dlt.sources.DltSource:
    """Instantiate source ``name`` for a path (file sources) or base URL (API sources). No I/O happens here."""
    from finops_core.engine import is_lakehouse

    from .common.lake import appending

    spec = get_spec(name)
    factory = spec.load_factory()
    if spec.kind == "files":
        source = factory(path=location, stats=stats, quarantine_to=quarantine_to, **options)
    else:  # API sources report nulled fields, skipped requests and warnings in ``stats.api``
        source = factory(base_url=location, stats=stats, **options)
    # a Parquet lake has no merge: loads append and readers keep the newest load (ingestion/common/lake.py)
    return appending(source) if is_lakehouse() else source
