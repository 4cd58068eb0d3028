"""Run a suite with great-expectations 1.x on a pandas batch (ephemeral context, nothing written to disk).

great-expectations is imported here only, when a suite runs: it takes seconds to import, and the
Dagster code location must load without it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .suites import TableSuite


@dataclass(frozen=True)
class GxVerdict:
    """What great-expectations said of one expectation on the batch."""

    success: bool
    unexpected_count: int
    rows: tuple[dict[str, Any], ...]  # key columns + checked columns of unexpected rows
    note: str = ""


def _quiet_pyspark_pandas_warning() -> None:
    """great-expectations imports pyspark, which warns on pandas 3 although the pandas path used here is
    unaffected; the warning is noise on every run's log."""
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


@functools.cache
def _batch_definition() -> Any:
    """One in-memory context per process, one pandas dataframe asset whose batch is the frame passed in."""
    _quiet_pyspark_pandas_warning()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # in memory only: no data-docs site, no progress bars on the run's log
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    asset = context.data_sources.add_pandas("finops_raw").add_dataframe_asset("raw_table")
    return asset.add_batch_definition_whole_dataframe("batch")


def run_suite(suite: TableSuite, batch: pd.DataFrame, keys: list[str], max_rows: int) -> dict[int, GxVerdict]:
    """Validate ``batch`` against the suite; verdicts by rule index. Failing rows are named by ``keys``."""
    _quiet_pyspark_pandas_warning()
    import great_expectations as gx

    expectations = [rule.to_gx(i) for i, rule in enumerate(suite.rules)]
    gx_suite = gx.ExpectationSuite(name=suite.name, expectations=expectations)
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": batch})
        .validate(
            gx_suite,
            result_format={
                "result_format": "SUMMARY",
                "unexpected_index_column_names": keys,
                "partial_unexpected_count": max_rows,
            },
        )
    )
    verdicts: dict[int, GxVerdict] = {}
    for item in result.results:
        index = int(item.expectation_config.meta["rule"])
        info = item.exception_info or {}
        note = str(info.get("exception_message") or "") if info.get("raised_exception") else ""
        details = item.result or {}
        rows = details.get("partial_unexpected_index_list") or []
        verdicts[index] = GxVerdict(
            success=bool(item.success),
            unexpected_count=int(details.get("unexpected_count") or 0),
            rows=tuple(r for r in rows if isinstance(r, dict))[:max_rows],
            note=note.splitlines()[0][:300] if note else "",
        )
    return verdicts
