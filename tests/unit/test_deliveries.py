"""What the billing-files sensor counts as already loaded, on its first look at a source."""

from __future__ import annotations

from orchestration.defs.ingestion.deliveries import Loaded, holds

LOADED = Loaded(files=frozenset({"/bills/2026-09.csv", "/bills/2026-10.csv"}), last_load=1_000.0)


def test_files_older_than_the_last_load_are_held_even_those_without_rows():
    # a manifest or a superseded run is read by the load but keeps no rows
    found = {"/bills/2026-09.csv": 900.0, "/bills/2026-10.csv": 950.0, "/bills/manifest.json": 990.0}
    assert holds(LOADED, found)


def test_a_new_or_changed_file_is_not_held():
    assert not holds(LOADED, {"/bills/2026-09.csv": 900.0, "/bills/2026-11.csv": 1_200.0})
    assert not holds(LOADED, {"/bills/2026-09.csv": 1_001.0}), "re-delivered after the load"


def test_nothing_loaded_or_loaded_from_elsewhere_is_not_held():
    assert not holds(None, {"/bills/2026-09.csv": 900.0})
    assert not holds(LOADED, {"/elsewhere/2026-09.csv": 900.0})
    assert not holds(LOADED, {})
