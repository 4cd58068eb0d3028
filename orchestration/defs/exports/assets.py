"""File exports built from marts (pure writers live in ``actions/``)."""

import dagster as dg

from actions.focus import datasets_for, export_datasets
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


def _marts(version: str) -> list[dg.AssetKey]:
    """The marts a version's files are written from (both Cost and Usage variants: with and without
    allocated charges)."""
    relations = {d.relation for allocated in (True, False) for d in datasets_for(version, allocated)}
    return [dg.AssetKey(relation.split(".")) for relation in sorted(relations)]


def _focus_files_asset(version: str) -> dg.AssetsDefinition:
    suffix = version.replace(".", "_")

    @dg.asset(
        key=dg.AssetKey(["exports", f"focus_{suffix}_datasets"]),
        deps=_marts(version),
        group_name="exports",
        kinds={"parquet", "csv"},
        description=(
            f"FOCUS {version} datasets (Cost and Usage with Kubernetes allocated charges, and without them in "
            "``cost_and_usage_origin``; Contract Commitment"
            + ("; Billing Period; Invoice Detail" if version == "1.4" else "")
            + f") as Parquet and CSV in ``exports/focus/``, the files `finops export focus --version {version}` "
            "writes."
        ),
    )
    def _asset(context: dg.AssetExecutionContext, settings: FinopsSettings) -> dg.MaterializeResult:
        warehouse = settings.warehouse_path()
        out_dir = warehouse.parent / "exports" / "focus"
        allocated = export_datasets(warehouse, out_dir, version, allocated=True)
        origin = export_datasets(warehouse, out_dir / "origin", version, allocated=False)
        metadata: dict = {"path": dg.MetadataValue.path(str(out_dir))}
        for dataset_id, info in allocated["datasets"].items():
            metadata[f"{dataset_id}_rows"] = info["rows"]
            if info["billed_cost"] is not None:
                metadata[f"{dataset_id}_billed_cost"] = round(info["billed_cost"], 2)
        metadata["CostAndUsage_origin_rows"] = origin["datasets"]["CostAndUsage"]["rows"]
        context.log.info(f"wrote FOCUS {version} datasets to {out_dir}: {metadata}")
        return dg.MaterializeResult(metadata=metadata)

    return _asset


focus_1_3_datasets = _focus_files_asset("1.3")
focus_1_4_datasets = _focus_files_asset("1.4")
