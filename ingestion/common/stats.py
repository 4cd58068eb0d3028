"""What a load read, what it set aside and why: what ``finops load --json`` prints and tests assert on.

Money is summed exactly (``Decimal``, see ``money.py``) and reported unrounded. File sources count
rows and billed cost per billing period and list quarantined files; API sources count, per
resource, the fields loaded as null because the API sent an impossible value, the requests
skipped after retries, and the warnings (paging stopped, partial data).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from .money import EXACT, ZERO, Amount, dumps, to_decimal


@dataclass
class PeriodStats:
    source: str
    billing_period: str  # YYYY-MM
    currency: str
    rows: int = 0
    exact_cost: Decimal = ZERO  # the exact sum of the files' billed cost cells
    files: list[str] = field(default_factory=list)
    cost_type: str | None = None  # Azure: actual | amortized (an amortized total is not an invoice)

    @property
    def billed_cost(self) -> Amount:
        """The exact sum, usable as a float; :func:`money.dumps` prints it with every digit."""
        return Amount(self.exact_cost)

    def as_json(self) -> dict:
        out = {
            "source": self.source,
            "billing_period": self.billing_period,
            "rows": self.rows,
            "billed_cost": self.billed_cost,
            "currency": self.currency,
            "files": list(self.files),
        }
        if self.cost_type:
            out["cost_type"] = self.cost_type
        return out


@dataclass
class Quarantined:
    """A file (or manifest) that did not load: the previous version of its periods stays."""

    path: str
    reason: str
    copied_to: str | None = None
    source: str = ""
    billing_periods: list[str] = field(default_factory=list)  # the periods it held, when known

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "quarantined": self.path,
            "reason": self.reason,
            "billing_periods": list(self.billing_periods),
        }


@dataclass
class Skipped:
    """An API request that failed after its retries; the rows it would have given are missing."""

    resource: str
    request: str  # "GET /v1/spectroclusters/<uid>" (never credentials)
    reason: str


@dataclass
class ApiReport:
    """Per resource: fields nulled (``{field: count}``), rows dropped (a key field was impossible),
    requests skipped after retries, and warnings (paging stopped, partial data, server warnings)."""

    nulled: dict[str, Counter] = field(default_factory=dict)
    dropped: Counter = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def null(self, resource: str, column: str, n: int = 1) -> None:
        self.nulled.setdefault(resource, Counter())[column] += n

    def drop(self, resource: str, n: int = 1) -> None:
        self.dropped[resource] += n

    def skip(self, resource: str, request: str, reason: str) -> None:
        self.skipped.append(Skipped(resource, request, " ".join(str(reason).split())))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def total_nulled(self, resource: str | None = None) -> int:
        counters = [self.nulled.get(resource, Counter())] if resource else list(self.nulled.values())
        return sum(sum(c.values()) for c in counters)


@dataclass
class LoadStats:
    """Collected while a source yields data; read after ``pipeline.run``."""

    source: str
    periods: dict[tuple[str, str, str], PeriodStats] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    api: ApiReport = field(default_factory=ApiReport)

    def add(
        self,
        billing_period: str,
        currency: str,
        rows: int,
        billed_cost: Decimal | float | str,
        file: str,
        cost_type: str | None = None,
    ) -> None:
        """Add rows and their exact billed cost to a period (floats are taken by their shortest repr)."""
        key = (billing_period, currency or "", cost_type or "")
        ps = self.periods.setdefault(key, PeriodStats(self.source, billing_period, currency or "", cost_type=cost_type))
        ps.rows += int(rows)
        ps.exact_cost = EXACT.add(ps.exact_cost, to_decimal(billed_cost))
        if file not in ps.files:
            ps.files.append(file)

    def as_json(self) -> list[dict]:
        """One object per (billing period, currency, cost type) loaded, ``billed_cost`` exact."""
        return [self.periods[k].as_json() for k in sorted(self.periods)]

    def quarantined_json(self) -> list[dict]:
        """One ``{"source", "quarantined": path, "reason", "billing_periods"}`` object per file set aside."""
        return [{**q.as_json(), "source": q.source or self.source} for q in self.quarantined]

    def api_json(self) -> list[dict]:
        """One object per API resource with something to report (nulled fields, skipped requests)."""
        resources = sorted(set(self.api.nulled) | set(self.api.dropped) | {s.resource for s in self.api.skipped})
        out = [
            {
                "source": self.source,
                "resource": r,
                "nulled": dict(sorted(self.api.nulled.get(r, Counter()).items())),
                "rows_dropped": self.api.dropped.get(r, 0),
                "skipped": [{"request": s.request, "reason": s.reason} for s in self.api.skipped if s.resource == r],
            }
            for r in resources
        ]
        if self.api.warnings:
            out.append({"source": self.source, "warnings": list(self.api.warnings)})
        return out

    def json_lines(self) -> list[str]:
        """Everything above as JSON lines, money with every digit (what ``finops load --json`` should print)."""
        return [dumps(o) for o in self.as_json() + self.quarantined_json() + self.api_json()]
