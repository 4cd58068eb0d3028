"""Dagster definitions by domain: ingestion (dlt), transform (dbt). Each folder exposes ``defs()``."""
