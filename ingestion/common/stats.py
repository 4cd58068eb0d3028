"""Per billing period load statistics: what ``finops load --json`` prints and tests assert on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class PeriodStats:
    source: str
    billing_period: str  # YYYY-MM
    currency: str
    rows: int = 0
    billed_cost: float = 0.0
    files: list[str] = field(default_factory=list)
    cost_type: str | None = None  # Azure: actual | amortized (an amortized total is not an invoice)

    def as_json(self) -> dict:
        d = asdict(self)
        d["billed_cost"] = round(self.billed_cost, 2)
        keys = ["source", "billing_period", "rows", "billed_cost", "currency", "files"]
        return {k: d[k] for k in keys + (["cost_type"] if self.cost_type else [])}


@dataclass
class Quarantined:
    path: str
    reason: str
    copied_to: str | None = None


@dataclass
class LoadStats:
    """Collected while a source yields data; read after ``pipeline.run``."""

    source: str
    periods: dict[tuple[str, str, str], PeriodStats] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)

    def add(
        self,
        billing_period: str,
        currency: str,
        rows: int,
        billed_cost: float,
        file: str,
        cost_type: str | None = None,
    ) -> None:
        key = (billing_period, currency or "", cost_type or "")
        ps = self.periods.setdefault(key, PeriodStats(self.source, billing_period, currency or "", cost_type=cost_type))
        ps.rows += int(rows)
        ps.billed_cost += float(billed_cost)
        if file not in ps.files:
            ps.files.append(file)

    def as_json(self) -> list[dict]:
        return [self.periods[k].as_json() for k in sorted(self.periods)]
