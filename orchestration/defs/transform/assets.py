"""dbt models as Dagster assets. Sources carry ``meta.dagster.asset_key`` = the dlt asset keys, so raw dlt
tables and dbt models form one lineage graph; groups follow the model folders."""

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from finops_core.engine import dbt_target, engine_env
from finops_core.serving import publish_views, serves_lake
from ingestion.bootstrap import ensure_source_tables
from orchestration.defs.resources import WAREHOUSE_POOL, FinopsSettings

from .project import dbt_args, dbt_executable, dbt_project


class FinopsDbtTranslator(DagsterDbtTranslator):
    """Groups follow the model folders (staging, intermediate, marts); seeds and the rest have their own."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        # models/<layer>/...: group by layer folder (staging, intermediate, marts)
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return fqn[1]
        return "seeds" if dbt_resource_props.get("resource_type") == "seed" else "transform"


def dbt_resource() -> DbtCliResource:
    """The dbt CLI of this environment on the project (its manifest prepared by ``dbt_project()``)."""
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())


@cache
def finops_dbt_assets() -> dg.AssetsDefinition:
    """Every dbt model, seed and test as one multi-asset, built from the manifest when the code location
    loads (not when this module is imported)."""
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="finops_dbt_assets",
        dagster_dbt_translator=FinopsDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: FinopsSettings):
        """Build the dbt project (models, seeds and their tests) into the warehouse, or on Spark over the lake
        (then published as DuckDB views in the warehouse file, for the assets downstream)."""
        warehouse = settings.warehouse_path()
        # dbt (a subprocess) reads the engine, lake and warehouse from the environment (profiles.yml)
        os.environ.update(engine_env(warehouse))
        ensure_source_tables(warehouse)
        yield from dbt.cli(dbt_args("build", target=dbt_target()), context=context).stream()
        if serves_lake():  # reached only when the build succeeded (a failed build raises above)
            done = publish_views(warehouse)
            context.log.info(f"published {len(done.views)} views over the lake in {warehouse}")

    return _build
