"""The shared core every room imports: warehouse location, engine switch, source configuration, serving
views, warehouse read/write helpers and the error types users read. No Dagster, no dlt sources here."""
