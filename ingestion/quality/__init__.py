"""Data quality of the raw inputs: great-expectations suites per raw table (pure; no Dagster).

``suites.all_suites()`` lists them; ``validate.validate_warehouse(path, suites)`` runs them against the
DuckDB warehouse opened read-only and returns typed results naming the failing rows.
"""
