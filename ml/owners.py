"""Owner suggestions for unlabeled spend: a calibrated scikit-learn classifier trained on resources and
namespaces whose team is known (names, accounts, clusters, namespaces, partial tags, services).

Ownership tags (team, cost centre, owner) are never features, so the model learns what unlabeled rows
look like. Suggestions at or above the threshold (0.8) become ``owner_suggestion`` findings; the rest
go to a review queue. Nothing is applied: a person confirms every suggestion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

from ml.evidence import canonical_tags, provider_of
from ml.findings import Finding, finding_id, severity_from_impact

CATEGORICAL = ["source", "provider", "account", "service", "region", "cluster", "cluster_team"]
ROW_COLUMNS = [
    "dimension",
    "value",
    "label",
    *CATEGORICAL,
    "namespace",
    "resource_id",
    "team",
    "text",
    "monthly_cost_usd",
]
OWNERSHIP_TAGS = ("team", "cost_center", "owner", "business_unit", "costcenter")


@dataclass(frozen=True)
class OwnerConfig:
    """Classifier and routing policy."""

    threshold: float = 0.8
    folds: int = 4
    min_class_rows: int = 3
    calibration_cv: int = 5
    seed: int = 7
    c: float = 100.0  # inverse L2 strength and calibration folds chosen on out-of-fold Brier score


def partial_tag_text(tags: dict[str, str]) -> str:
    """Non-ownership tags as ``key=value`` words (cluster, pvc namespace/name, project, ...)."""
    return " ".join(f"{k}={v}" for k, v in sorted(tags.items()) if k not in OWNERSHIP_TAGS)


def ownership_rows(resources: pd.DataFrame, namespaces: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """One row per billed resource and per Kubernetes namespace with model features and ``team`` (the
    explicit team tag / label, None when unlabeled). ``resources``: provider_name, sub_account_id,
    service_name, region_id, resource_id, resource_name, tags, monthly_cost_usd; ``namespaces``:
    cluster_name, namespace_name, team_label, workloads, monthly_cost_usd; ``clusters``: cluster_name,
    cloud_type, region_code, labels_json (Palette)."""
    known = {r["cluster_name"]: r for r in clusters.to_dict("records")}
    cluster_team = {c: canonical_tags(r.get("labels_json")).get("team") for c, r in known.items()}
    rows = []
    for r in resources.to_dict("records"):
        tags = canonical_tags(r.get("tags"))
        name = r.get("resource_name")
        ident = str(name if isinstance(name, str) and name else r["resource_id"])
        cluster = tags.get("cluster") or next((c for c in known if c in ident), None)
        rows.append(
            {
                "dimension": "resource",
                "value": r["resource_id"],
                "label": ident.split("/")[-1],
                "source": "bill",
                "provider": provider_of(r["provider_name"]),
                "account": r["sub_account_id"],
                "service": r["service_name"],
                "region": r["region_id"],
                "cluster": cluster,
                "cluster_team": cluster_team.get(cluster),
                "namespace": tags.get("pvc_namespace"),
                "resource_id": r["resource_id"],
                "team": tags.get("team"),
                "text": f"{ident.replace('/', ' ')} {r['service_name']} {partial_tag_text(tags)}",
                "monthly_cost_usd": r.get("monthly_cost_usd"),
            }
        )
    bill = pd.DataFrame(rows, columns=ROW_COLUMNS)
    accounts = bill.dropna(subset=["cluster", "account"]).groupby("cluster")["account"].agg(lambda s: s.mode().iat[0])
    for r in namespaces.to_dict("records"):
        c = known.get(r["cluster_name"], {})
        rows.append(
            {
                "dimension": "namespace",
                "value": f"{r['cluster_name']}/{r['namespace_name']}",
                "label": f"{r['namespace_name']} of {r['cluster_name']}",
                "source": "kubernetes",
                "provider": provider_of(c.get("cloud_type")),
                "account": dict(accounts).get(r["cluster_name"]),
                "service": "kubernetes",
                "region": c.get("region_code"),
                "cluster": r["cluster_name"],
                "cluster_team": cluster_team.get(r["cluster_name"]),
                "namespace": r["namespace_name"],
                "resource_id": None,
                "team": r.get("team_label") or None,
                "text": f"{r['namespace_name']} {r.get('workloads') or ''}",
                "monthly_cost_usd": r.get("monthly_cost_usd"),
            }
        )
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def build_model(config: OwnerConfig = OwnerConfig()) -> CalibratedClassifierCV:
    """TF-IDF character n-grams on names + one-hot context -> logistic regression, sigmoid-calibrated."""
    features = ColumnTransformer(
        [
            ("text", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True), "text"),
            ("context", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    pipe = Pipeline([("features", features), ("clf", LogisticRegression(C=config.c, max_iter=3000))])
    # ensemble=False: one model on all rows, sigmoid fitted on cross-validated scores (sharper on small data)
    return CalibratedClassifierCV(pipe, method="sigmoid", cv=config.calibration_cv, ensemble=False)


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    x = frame.copy()
    for c in CATEGORICAL:
        x[c] = x[c].fillna("").astype(str) if c in x else ""
    x["text"] = x["text"].fillna("").astype(str).str.lower()
    return x[[*CATEGORICAL, "text"]]


def trainable(labeled: pd.DataFrame, config: OwnerConfig = OwnerConfig()) -> pd.DataFrame:
    """Labeled rows of teams with enough examples to learn and calibrate."""
    counts = labeled["team"].value_counts()
    keep = labeled[labeled["team"].isin(counts[counts >= max(config.min_class_rows, config.calibration_cv)].index)]
    return keep.sort_values(["dimension", "value"], kind="stable")  # folds depend on order: make it stable


def evaluate(labeled: pd.DataFrame, config: OwnerConfig = OwnerConfig()) -> dict[str, Any]:
    """Out-of-fold (stratified k-fold) accuracy, multi-class Brier score, reliability per confidence bin and
    accuracy / share of the rows at or above the threshold: every labeled row is predicted once, unseen."""
    data = trainable(labeled, config)
    # every outer training fold must still hold calibration_cv rows of each team
    need = math.ceil(config.calibration_cv * config.folds / (config.folds - 1))
    counts = data["team"].value_counts()
    data = data[data["team"].isin(counts[counts >= need].index)].reset_index(drop=True)
    if data["team"].nunique() < 2:
        return {"trained": False, "rows": int(len(data))}
    classes = np.array(sorted(data["team"].unique()))
    proba = np.zeros((len(data), len(classes)))
    folds = StratifiedKFold(config.folds, shuffle=True, random_state=config.seed)
    with threadpool_limits(1):  # BLAS threads only fight each other on these tiny matrices
        for train, test in folds.split(data, data["team"]):
            fold = trainable(data.iloc[train], config)
            model = build_model(config).fit(_prepare(fold), fold["team"])
            cols = np.searchsorted(classes, model.classes_)
            proba[np.ix_(test, cols)] = model.predict_proba(_prepare(data.iloc[test]))
    truth = data["team"].to_numpy()
    pred, conf = classes[proba.argmax(axis=1)], proba.max(axis=1)
    hit = pred == truth
    confident = conf >= config.threshold
    bins = np.clip((conf * 10 - 1e-9).astype(int), 0, 9)
    reliability = {
        f"{b / 10:.1f}-{(b + 1) / 10:.1f}": {
            "rows": int((bins == b).sum()),
            "accuracy": round(float(hit[bins == b].mean()), 3),
        }
        for b in sorted(set(bins))
    }
    onehot = (classes[None, :] == truth[:, None]).astype(float)
    return {
        "trained": True,
        "rows": int(len(data)),
        "folds": config.folds,
        "classes": int(len(classes)),
        "accuracy": round(float(hit.mean()), 4),
        "brier": round(float(((proba - onehot) ** 2).sum(axis=1).mean()), 4),
        "suggested_share": round(float(confident.mean()), 4),
        "suggested_accuracy": round(float(hit[confident].mean()), 4) if confident.any() else None,
        "reliability": reliability,
    }


def suggest(labeled: pd.DataFrame, unlabeled: pd.DataFrame, config: OwnerConfig = OwnerConfig()) -> pd.DataFrame:
    """Unlabeled rows with suggested_team, confidence (calibrated), alternatives and route
    (``suggest`` at or above the threshold, else ``review``)."""
    out = unlabeled.copy()
    data = trainable(labeled, config)
    if out.empty or data["team"].nunique() < 2:
        return out.assign(
            suggested_team=None, confidence=0.0, alternatives=[[] for _ in range(len(out))], route="review"
        )
    with threadpool_limits(1):
        model = build_model(config).fit(_prepare(data), data["team"])
        proba = model.predict_proba(_prepare(out))
    classes = np.asarray(model.classes_)
    order = np.argsort(-proba, axis=1)
    out["suggested_team"] = classes[order[:, 0]]
    out["confidence"] = proba[np.arange(len(out)), order[:, 0]]
    out["alternatives"] = [
        [{"team": classes[j], "confidence": round(float(p[j]), 3)} for j in o[1:3]]
        for p, o in zip(proba, order, strict=False)
    ]
    out["route"] = np.where(out["confidence"] >= config.threshold, "suggest", "review")
    return out


def to_findings(suggested: pd.DataFrame, cost_centers: dict[str, str], window) -> list[Finding]:
    """``owner_suggestion`` findings for the rows routed to ``suggest`` (status open: never applied)."""
    out = []
    for r in suggested[suggested["route"] == "suggest"].to_dict("records"):
        monthly = float(r["monthly_cost_usd"]) if pd.notna(r.get("monthly_cost_usd")) else 0.0
        team, conf = r["suggested_team"], float(r["confidence"])
        title = f"Suggest team {team} for {r['dimension']} {r['label']} (confidence {conf:.2f})"
        title += f": ${monthly:,.0f}/month unlabeled"
        attrs = {k: r.get(k) for k in ("provider", "account", "cluster", "namespace", "resource_id", "service")}
        attrs |= {"suggested_team": team, "suggested_cost_center": cost_centers.get(team), "applied": False}
        out.append(
            Finding(
                kind="owner_suggestion",
                dimension=r["dimension"],
                dimension_value=r["value"],
                window_start=window[0],
                window_end=window[1],
                expected=None,
                actual=round(monthly, 2),
                impact_usd=round(monthly, 2),
                impact_pct=None,
                title=title,
                score=round(conf, 4),
                confidence=round(conf, 4),
                severity=severity_from_impact(monthly),
                evidence={"alternatives": r["alternatives"], "features": r["text"], "method": "calibrated_logreg"},
                attributes=attrs,
                model_version="owners-1",
                finding_id=finding_id("owner_suggestion", r["dimension"], r["value"], None),
            )
        )
    return out


def review_queue(suggested: pd.DataFrame) -> pd.DataFrame:
    """Rows below the threshold, for a person to assign."""
    cols = [
        "dimension",
        "value",
        "label",
        "provider",
        "account",
        "cluster",
        "namespace",
        "resource_id",
        "monthly_cost_usd",
        "suggested_team",
        "confidence",
    ]
    q = suggested[suggested["route"] == "review"].reindex(columns=cols).copy()
    q["alternatives"] = [json_list(a) for a in suggested.loc[suggested["route"] == "review", "alternatives"]]
    q["status"] = "needs_review"
    return q.reset_index(drop=True)


def json_list(value: Any) -> str:
    import json

    return json.dumps(value if isinstance(value, list) else [], default=str)
