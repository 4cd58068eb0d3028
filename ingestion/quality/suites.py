"""Expectation suites on the raw tables, as data: one :class:`TableSuite` per ``raw_<source>.<table>``.

Only what the models downstream rely on is asserted, so a real export that the pipeline handles
correctly passes: the columns staging reads must be set, money is finite and not absurd, currencies
are ISO 4217 codes, charge types are the provider's documented values, lineage keys are unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from finops_core.warehouse import raw_dataset

from .rules import Rule, between, cost, currency, in_set, not_before, required, unique
from .vocab import (
    AWS_LINE_ITEM_TYPES,
    AZURE_CHARGE_TYPES,
    FOCUS_CHARGE_CATEGORIES,
    GCP_COST_TYPES,
    KSM_UNITS,
    MAX_SAMPLE_VALUE,
)


@dataclass(frozen=True)
class TableSuite:
    """The expectations on one raw table; ``keys`` name a failing row (lineage or natural key)."""

    source: str
    table: str
    keys: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def name(self) -> str:
        return f"{self.source}.{self.table}"

    @property
    def relation(self) -> str:
        return f'"{raw_dataset(self.source)}"."{self.table}"'

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column a rule or the row key reads, in first-mention order."""
        seen: dict[str, None] = dict.fromkeys(self.keys)
        for rule in self.rules:
            seen.update(dict.fromkeys(rule.columns))
        return tuple(seen)


def _suite(source: str, table: str, keys: tuple[str, ...], rules: list[Rule], description: str) -> TableSuite:
    return TableSuite(source, table, keys, tuple(rules), description)


def _billing() -> list[TableSuite]:
    lineage = ("_source_file", "_line_number")
    return [
        _suite(
            "aws_cur",
            "cost_and_usage",
            ("identity_line_item_id", "identity_time_interval", "_source_file"),
            [
                *required(
                    "bill_billing_period_start_date",
                    "line_item_usage_start_date",
                    "line_item_line_item_type",
                    "line_item_unblended_cost",
                    "line_item_currency_code",
                    "_billing_period",
                    "_source_file",
                ),
                currency("line_item_currency_code"),
                in_set("line_item_line_item_type", AWS_LINE_ITEM_TYPES),
                cost("line_item_unblended_cost"),
                cost("line_item_net_unblended_cost"),
                not_before("line_item_usage_end_date", "line_item_usage_start_date"),
                # identity/LineItemId is unique per time interval within one partition file of one delivery
                unique("identity_line_item_id", "identity_time_interval", "_source_file", "_delivery_id"),
            ],
            "AWS CUR line items: periods, usage start, type, unblended cost and currency set; costs finite.",
        ),
        _suite(
            "azure_cost",
            "costs",
            lineage,
            [
                *required(
                    "date",
                    "cost_in_billing_currency",
                    "billing_currency",
                    "charge_type",
                    "_billing_period",
                    "_cost_type",
                ),
                currency("billing_currency"),
                in_set("charge_type", AZURE_CHARGE_TYPES),
                in_set("_cost_type", ("actual", "amortized")),
                cost("cost_in_billing_currency"),
                unique(*lineage),
            ],
            "Azure cost export rows: Date, CostInBillingCurrency, BillingCurrency, ChargeType set; costs finite.",
        ),
        _suite(
            "gcp_billing",
            "billing_export",
            lineage,
            [
                *required("billing_account_id", "usage_start_time", "usage_end_time", "cost", "currency"),
                *required("_billing_period"),
                currency("currency"),
                in_set("cost_type", GCP_COST_TYPES),
                cost("cost"),
                cost("credits_amount"),
                not_before("usage_end_time", "usage_start_time"),
                unique(*lineage),
            ],
            "GCP billing export rows: account, usage interval, cost and currency set; costs finite.",
        ),
        _suite(
            "focus",
            "costs",
            lineage,
            [
                *required(
                    "billing_account_id",
                    "billing_period_start",
                    "charge_period_start",
                    "charge_period_end",
                    "charge_category",
                    "billed_cost",
                    "effective_cost",
                    "list_cost",
                    "billing_currency",
                ),
                currency("billing_currency"),
                in_set("charge_category", FOCUS_CHARGE_CATEGORIES),
                *(cost(c) for c in ("billed_cost", "effective_cost", "list_cost", "contracted_cost")),
                not_before("charge_period_end", "charge_period_start"),
                unique(*lineage),
            ],
            "FOCUS rows: BilledCost, EffectiveCost, ListCost, BillingCurrency, ChargePeriod, ChargeCategory set.",
        ),
    ]


def _pricing() -> list[TableSuite]:
    price = ("provider", "region", "instance_type")
    hourly = [cost(c) for c in ("on_demand_hourly", "spot_hourly", "commit_1y_monthly", "commit_3y_monthly")]
    return [
        _suite(
            "pricing",
            "instance_prices",
            price,
            [*required(*price, "currency"), in_set("provider", ("aws", "azure", "gcp")), currency("currency")]
            + hourly
            + [unique(*price)],
            "Price catalog: one row per provider, region and instance type; prices finite.",
        ),
        _suite(
            "pricing",
            "instance_specs",
            ("provider", "instance_type"),
            [*required("provider", "instance_type"), in_set("provider", ("aws", "azure", "gcp"))],
            "Instance specs: provider and instance type set.",
        ),
    ]


def _palette() -> list[TableSuite]:
    daily = ("cluster_uid", "namespace", "usage_date")
    money = [cost(c) for c in ("cpu_cost", "memory_cost", "storage_cost", "total_cost")]
    return [
        _suite("palette", "projects", ("project_uid",), [*required("project_uid"), unique("project_uid")], "Projects."),
        _suite(
            "palette",
            "clusters",
            ("cluster_uid",),
            [*required("cluster_uid", "project_uid", "cloud_type"), unique("cluster_uid")],
            "Clusters: uid, project and cloud type set; one row per cluster.",
        ),
        _suite(
            "palette",
            "machine_pools",
            ("cluster_uid", "pool_name"),
            [*required("cluster_uid", "pool_name"), unique("cluster_uid", "pool_name")],
            "Machine pools: one row per cluster and pool.",
        ),
        _suite(
            "palette",
            "namespaces",
            ("cluster_uid", "namespace"),
            [*required("cluster_uid", "namespace"), unique("cluster_uid", "namespace")],
            "Namespaces: one row per cluster and namespace.",
        ),
        _suite(
            "palette",
            "cluster_costs_daily",
            ("cluster_uid", "usage_date"),
            [
                *required("cluster_uid", "usage_date", "total_cost"),
                cost("total_cost"),
                unique("cluster_uid", "usage_date"),
            ],
            "Palette's cluster cost estimates per day.",
        ),
        _suite(
            "palette",
            "namespace_costs_daily",
            daily,
            [*required(*daily, "total_cost"), *money, unique(*daily)],
            "Palette's namespace cost estimates per day.",
        ),
        _suite(
            "palette",
            "namespace_consumption_daily",
            daily,
            [*required(*daily), unique(*daily)],
            "Palette's namespace consumption per day.",
        ),
    ]


def _prometheus() -> list[TableSuite]:
    from ingestion.prometheus.settings import RAW_TABLES

    out = []
    for table, columns in RAW_TABLES.items():
        rules = [
            *required("series_id", "cluster", "sampled_at", "value"),
            *(required("namespace") if "namespace" in columns else []),
            between("value", 0.0, MAX_SAMPLE_VALUE),
            unique("series_id", "sampled_at"),
        ]
        if "unit" in columns:
            rules.append(in_set("unit", KSM_UNITS))
        out.append(
            _suite(
                "prometheus",
                table,
                ("series_id", "sampled_at"),
                rules,
                "Prometheus samples: series, cluster, time, value set; value finite and >= 0; one per series and time.",
            )
        )
    return out


def all_suites() -> list[TableSuite]:
    """Every suite, in source order."""
    return [*_billing(), *_pricing(), *_palette(), *_prometheus()]


def suites_for(source: str) -> list[TableSuite]:
    return [s for s in all_suites() if s.source == source]
