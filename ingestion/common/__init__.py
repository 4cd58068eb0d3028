"""Shared plumbing for the dlt sources: warehouse location, file discovery, load statistics, quarantine.

Pure Python and dlt only: nothing here imports Dagster.
"""
