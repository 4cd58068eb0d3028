"""The allocation rule's constants, read from their one home: the vars of ``dbt_project/dbt_project.yml``.

dbt reads them as ``var(...)``; Python (rightsizing prices, idle and spot rules, the demo's independent
ground truth) reads them through :func:`allocation_rule`, so changing a share or the shared namespaces in
``dbt_project.yml`` changes every consumer. Read on first call, never at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .warehouse import PROJECT_ROOT

DBT_PROJECT_FILE = PROJECT_ROOT / "dbt_project" / "dbt_project.yml"


@dataclass(frozen=True)
class AllocationRule:
    """How a node-hour is priced into CPU/RAM/GPU (OpenCost list-price ratio) and how shared cost spreads."""

    shared_namespaces: tuple[str, ...]
    shared_cost_split: str  # weighted | even
    cpu_hourly_weight: float  # $ per core-hour
    ram_gib_hourly_weight: float  # $ per GiB-hour
    gpu_hourly_weight: float  # $ per GPU-hour

    @property
    def weights(self) -> dict[str, float]:
        """Per-unit hourly weights keyed ``cpu``, ``memory`` (GiB), ``gpu``."""
        return {"cpu": self.cpu_hourly_weight, "memory": self.ram_gib_hourly_weight, "gpu": self.gpu_hourly_weight}


def dbt_vars(project_file: str | Path | None = None) -> dict:
    """The ``vars:`` block of the dbt project file."""
    path = Path(project_file or DBT_PROJECT_FILE)
    return dict(yaml.safe_load(path.read_text()).get("vars") or {})


@cache
def _rule(project_file: str) -> AllocationRule:
    v = dbt_vars(project_file)
    try:
        return AllocationRule(
            shared_namespaces=tuple(v["shared_namespaces"]),
            shared_cost_split=str(v["shared_cost_split"]),
            cpu_hourly_weight=float(v["alloc_cpu_hourly_weight"]),
            ram_gib_hourly_weight=float(v["alloc_ram_gib_hourly_weight"]),
            gpu_hourly_weight=float(v["alloc_gpu_hourly_weight"]),
        )
    except KeyError as exc:
        raise ValueError(f"{project_file}: vars.{exc.args[0]} is missing (allocation rule)") from None


def allocation_rule(project_file: str | Path | None = None) -> AllocationRule:
    """The allocation constants of the dbt project (cached per file)."""
    return _rule(str(Path(project_file or DBT_PROJECT_FILE).resolve()))


def clear_cache() -> None:
    """Forget the cached rule (tests that edit the project file)."""
    _rule.cache_clear()
