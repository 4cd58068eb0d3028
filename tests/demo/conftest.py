"""A small demo estate generated once per test session (14 days keeps it fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo import generate


@pytest.fixture(scope="session")
def estate_dir(tmp_path_factory) -> Path:
    """A 14-day estate with the default seed."""
    out = tmp_path_factory.mktemp("demo14")
    generate(out, days=14, seed=7)
    return out


@pytest.fixture(scope="session")
def truth(estate_dir) -> dict:
    """Its ground truth."""
    return json.loads((estate_dir / "ground_truth.json").read_text())
