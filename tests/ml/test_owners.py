"""Owner suggestions: features without ownership tags, calibrated confidence, routing at the threshold
(suggest >= 0.8, else review), never applied, and out-of-fold quality figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.owners import OwnerConfig, evaluate, ownership_rows, review_queue, suggest, to_findings

TEAMS = {"payments": ("prod-pay", "111"), "search": ("prod-search", "222"), "data": ("lake", "333")}


def labeled_rows(n: int = 8) -> pd.DataFrame:
    rows = []
    for team, (cluster, account) in TEAMS.items():
        for i in range(n):
            rows.append(
                {
                    "dimension": "resource",
                    "value": f"{team}-{i}",
                    "label": f"{team}-{i}",
                    "source": "bill",
                    "provider": "aws",
                    "account": account,
                    "service": "AmazonEC2",
                    "region": "us-east-1",
                    "cluster": cluster,
                    "cluster_team": team,
                    "namespace": None,
                    "resource_id": f"i-{team}{i}",
                    "team": team,
                    "text": f"{cluster} {team}-svc-{i}",
                    "monthly_cost_usd": 10.0,
                }
            )
    return pd.DataFrame(rows)


def test_ownership_rows_use_partial_tags_but_never_ownership_tags():
    resources = pd.DataFrame(
        [
            {
                "provider_name": "AWS",
                "sub_account_id": "111",
                "service_name": "AmazonEC2",
                "region_id": "us-east-1",
                "resource_id": "vol-1",
                "resource_name": "vol-1",
                "monthly_cost_usd": 4.0,
                "tags": '{"user_team": "payments", "user_cost_center": "CC-1", '
                '"user_spectrocloud_com_cluster_name": "prod-pay"}',
            },
            {
                "provider_name": "Microsoft",
                "sub_account_id": "sub",
                "service_name": "Storage",
                "region_id": "eastus",
                "resource_id": "/subscriptions/sub/resourceGroups/MC_rg-prod-pay_prod-pay_eastus/disks/pvc-1",
                "resource_name": None,
                "monthly_cost_usd": 9.0,
                "tags": None,
            },
        ]
    )
    namespaces = pd.DataFrame(
        [
            {
                "cluster_name": "prod-pay",
                "namespace_name": "fraud",
                "team_label": None,
                "workloads": "fraud-api fraud-db",
                "monthly_cost_usd": 50.0,
            }
        ]
    )
    clusters = pd.DataFrame(
        [
            {
                "cluster_name": "prod-pay",
                "cloud_type": "eks",
                "region_code": "us-east-1",
                "labels_json": '{"team": "payments"}',
            }
        ]
    )
    rows = ownership_rows(resources, namespaces, clusters).set_index("value")
    tagged = rows.loc["vol-1"]
    assert tagged["team"] == "payments" and "payments" not in tagged["text"] and "CC-1" not in tagged["text"]
    assert tagged["cluster"] == "prod-pay" and tagged["provider"] == "aws"
    disk = rows.loc["/subscriptions/sub/resourceGroups/MC_rg-prod-pay_prod-pay_eastus/disks/pvc-1"]
    assert (
        pd.isna(disk["team"]) and disk["cluster"] == "prod-pay" and disk["provider"] == "azure"
    )  # cluster from the id
    ns = rows.loc["prod-pay/fraud"]
    assert ns["cluster_team"] == "payments" and ns["account"] == "111" and pd.isna(ns["team"])


def test_confident_suggestions_are_findings_and_the_rest_goes_to_review():
    labeled = labeled_rows()
    unlabeled = pd.DataFrame(
        [
            labeled.iloc[0].to_dict()
            | {"value": "new-pay", "label": "new-pay", "team": None, "text": "prod-pay payments-svc-9"},
            labeled.iloc[0].to_dict()
            | {
                "value": "mystery",
                "label": "mystery",
                "team": None,
                "cluster": None,
                "cluster_team": None,
                "account": "999",
                "text": "zzz qqq",
            },
        ]
    )
    out = suggest(labeled, unlabeled).set_index("value")
    assert out.loc["new-pay", "suggested_team"] == "payments" and out.loc["new-pay", "confidence"] >= 0.8
    assert out.loc["new-pay", "route"] == "suggest"
    assert out.loc["mystery", "confidence"] < 0.8 and out.loc["mystery", "route"] == "review"
    assert np.isclose(out["confidence"].between(0, 1), True).all()
    [f] = to_findings(out.reset_index(), {"payments": "CC-1"}, (None, None))
    assert f.kind == "owner_suggestion" and f.status == "open" and f.attributes["applied"] is False
    assert f.attributes["suggested_cost_center"] == "CC-1" and len(f.evidence["alternatives"]) == 2
    queue = review_queue(out.reset_index())
    assert queue["value"].tolist() == ["mystery"] and queue["status"].eq("needs_review").all()


def test_threshold_routing_is_configurable():
    labeled = labeled_rows()
    unlabeled = labeled.iloc[[0]].assign(value="x", team=None)
    strict = suggest(labeled, unlabeled, OwnerConfig(threshold=0.999))
    assert strict["route"].tolist() == ["review"]


def test_out_of_fold_quality_figures():
    quality = evaluate(labeled_rows(10))
    assert quality["trained"] and quality["rows"] == 30 and quality["folds"] == 4
    assert quality["accuracy"] == 1.0  # cluster, account and names separate the teams
    assert 0 <= quality["brier"] < 0.5
    assert sum(b["rows"] for b in quality["reliability"].values()) == 30


def test_too_few_labels_train_nothing():
    assert evaluate(labeled_rows(2))["trained"] is False
    out = suggest(labeled_rows(2).iloc[:0], labeled_rows(1).assign(team=None))
    assert out["route"].eq("review").all()
