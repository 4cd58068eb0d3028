"""File exports built from marts (pure writers live in ``actions/``)."""

import dagster as dg

from actions.focus_export import export_focus
from orchestration.defs.resources import FinopsSettings


@dg.asset(
    key=dg.AssetKey(["exports", "focus_cost_and_usage_parquet"]),
    deps=[dg.AssetKey(["marts", "focus_cost_and_usage"])],
    group_name="exports",
    kinds={"parquet"},
)
def focus_cost_and_usage_file(context: dg.AssetExecutionContext, settings: FinopsSettings) -> dg.MaterializeResult:
    """FOCUS 1.2 cost and usage dataset of every bill, as Parquet beside the warehouse
    (``exports/focus_cost_and_usage.parquet``), for FOCUS tools and the focus-validator."""
    warehouse = settings.warehouse_path()
    out = export_focus(warehouse, warehouse.parent / "exports" / "focus_cost_and_usage.parquet")
    context.log.info(f"wrote {out['rows']:,} FOCUS rows to {out['path']}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(out["path"]),
            "rows": out["rows"],
            "billed_cost": round(out["billed_cost"], 2),
        }
    )
