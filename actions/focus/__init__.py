"""FOCUS exports: the FOCUS 1.2, 1.3 and 1.4 datasets of the warehouse (marts/finops) written as Parquet and
CSV. ``datasets`` names what each version holds, ``export`` writes it, ``cli`` is ``finops export focus``."""

from actions.focus.datasets import DEFAULT_VERSION, VERSIONS, FocusDataset, datasets_for
from actions.focus.export import export_datasets, export_relation

__all__ = [
    "DEFAULT_VERSION",
    "VERSIONS",
    "FocusDataset",
    "datasets_for",
    "export_datasets",
    "export_relation",
]
