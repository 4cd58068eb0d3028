"""Assemble ``ground_truth.json`` from the estate and the writers' summaries."""

from __future__ import annotations

import json
from pathlib import Path

from .allocation_truth import team_totals
from .model import Estate

SOURCES = {"aws": "aws_cur", "azure": "azure_cost", "gcp": "gcp_billing"}


def unlabeled_owners(est: Estate) -> list[dict]:
    """True owners of unlabeled namespaces and untagged volumes."""
    out = []
    for c in est.clusters:
        for ns in c.namespaces:
            team = {
                "team": ns.team.team,
                "cost_center": ns.team.cost_center,
                "business_unit": ns.team.business_unit,
            }
            if not ns.labeled:
                out.append(
                    {
                        "provider": c.provider,
                        "cluster": c.name,
                        "namespace": ns.name,
                        "resource_id": None,
                        **team,
                    }
                )
            for v in ns.volumes:
                if not v.tagged:
                    out.append(
                        {
                            "provider": c.provider,
                            "cluster": c.name,
                            "namespace": ns.name,
                            "resource_id": v.resource_id,
                            **team,
                        }
                    )
    return out


def expected_totals(summaries: dict[str, dict]) -> list[dict]:
    """Per source and billing period: rows and billed cost of the final delivery, to the cent."""
    out = []
    for provider, source in SOURCES.items():
        s = summaries.get(provider)
        if not s:
            continue
        for period, p in sorted(s["periods"].items()):
            row = {
                "source": source,
                "billing_period": period,
                "currency": "USD",
                "rows": p["rows"],
                "billed_cost": round(p["billed_cost"], 2),
                "path": p["path"],
            }
            if provider == "azure":
                a = s["amortized"][period]
                row |= {
                    "amortized_rows": a["rows"],
                    "amortized_cost": round(a["billed_cost"], 2),
                    "amortized_path": a["path"],
                }
            out.append(row)
    return out


def ground_truth(est: Estate | None, summaries: dict[str, dict], meta: dict) -> dict:
    """The whole ground-truth document (deterministic: no absolute paths, no wall-clock time)."""
    redelivered = [r for s in summaries.values() if isinstance(s, dict) for r in s.get("redelivered", [])]
    late = summaries.get("gcp", {}).get("late_rows", 0)
    if late:
        redelivered.append(
            {
                "source": "gcp_billing",
                "billing_period": "*",
                "late_rows": late,
                "change": "rows for earlier usage days in *_2.json with a later export_time",
            }
        )
    doc = {"meta": meta, "expected_totals": expected_totals(summaries), "redelivered": redelivered}
    if est is not None:
        doc |= {
            "anomalies": est.anomalies,
            "overprovisioned": est.overprovisioned,
            "unlabeled_owners": unlabeled_owners(est),
            "teams": [
                {"team": t.team, "cost_center": t.cost_center, "business_unit": t.business_unit} for t in est.teams
            ],
            **team_totals(est, summaries),
        }
    return doc


def write_truth(out: Path, doc: dict) -> Path:
    """Write ground_truth.json with sorted keys."""
    path = out / "ground_truth.json"
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return path
