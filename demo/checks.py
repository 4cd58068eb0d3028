"""Demo-only Dagster asset checks: they score the product's findings against the estate's ground truth.

Wired in only by ``finops demo`` / ``finops dev`` on a demo estate (``orchestration/definitions_demo.py``);
the product's own definitions never load them.
"""

CHECKS: list = []
