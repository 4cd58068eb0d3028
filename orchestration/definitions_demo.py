"""Dagster entry point of the demo: the product's definitions plus the demo-only asset checks, which score
the findings against the demo estate's ground truth.

Loaded only by ``finops demo`` and by ``finops dev`` on a demo estate (``workspace_demo.yaml``); the
product's code location (``workspace.yaml`` -> ``orchestration.definitions``) never imports the demo.
"""

from __future__ import annotations

import dagster as dg

from demo.checks import CHECKS
from orchestration.definitions import defs as product_defs

defs = dg.Definitions.merge(product_defs, dg.Definitions(asset_checks=CHECKS))
