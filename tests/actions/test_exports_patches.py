"""Node-pool recommendations as a Terraform diff/snippet and as Palette API requests (built from the
pool Palette serves, sent only when approved)."""

from __future__ import annotations

import json

import duckdb
import pytest

from actions.exports import palette_patch, terraform
from actions.exports.runner import run_exports
from demo.emulators.palette import PaletteEmulator
from tests.actions.delivery_fakes import LocalServer, findings_warehouse, node_pool_finding
from tests.fixtures.palette.factory import make_tenant

TF = """\
resource "spectrocloud_cluster_eks" "search" {
  name             = "prod-search-use1"
  cloud_account_id = var.account_id

  cloud_config {
    region = "us-east-1" # the { in a comment and "a } in a string" are not braces
  }

  machine_pool {
    name          = "system"
    count         = 2
    instance_type = "m5.large"
  }

  machine_pool {
    name          = "workers"
    count         = 3
    instance_type = "m5.xlarge"
    disk_size_gb  = 60
    node {
      count = 9
    }
  }
}

resource "spectrocloud_cluster_aks" "other" {
  name = "dev-data-weu"
  machine_pool {
    name          = "workers"
    count         = 3
    instance_type = "Standard_D4s_v4"
  }
}
"""


def test_unified_diff_changes_only_the_pool():
    change = terraform.change_from_finding(node_pool_finding())
    new = terraform.patch_text(TF, change)
    diff = terraform.unified_diff(TF, new, "clusters.tf")
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    assert removed == ['-    instance_type = "m5.xlarge"']
    assert added == [
        f"+    # finops.ai/recommendation-id: {change.recommendation_id}",
        "+    min           = 2",
        "+    max           = 6",
        '+    instance_type = "m5.large"',
    ]
    assert "count = 9" in new and new.count('instance_type = "m5.large"') == 2  # system pool + workers
    assert 'instance_type = "Standard_D4s_v4"' in new  # the other cluster is untouched
    assert terraform.patch_text(new, change) == new  # applying it again changes nothing


def test_patch_errors_name_what_is_missing():
    change = terraform.change_from_finding(node_pool_finding())
    with pytest.raises(terraform.PatchError, match="no spectrocloud_cluster_\\* resource with name = 'nope'"):
        terraform.patch_text(TF, terraform.PoolChange(**{**change.__dict__, "cluster": "nope"}))
    with pytest.raises(terraform.PatchError, match="has no machine_pool named 'gpu'"):
        terraform.patch_text(TF, terraform.PoolChange(**{**change.__dict__, "machine_pool": "gpu"}))
    dynamic = (
        'resource "spectrocloud_cluster_eks" "x" {\n  name = "prod-search-use1"\n  dynamic "machine_pool" {\n  }\n}\n'
    )
    with pytest.raises(terraform.PatchError, match="dynamically"):
        terraform.patch_text(dynamic, change)


def test_snippet():
    text = terraform.snippet(terraform.change_from_finding(node_pool_finding()))
    assert "# prod-search-use1: m5.xlarge x3 -> m5.large x3" in text
    assert 'name          = "workers"' in text and "min           = 2" in text and "max           = 6" in text


def test_palette_requests_from_the_emulated_api(monkeypatch):
    monkeypatch.setenv("PALETTE_API_KEY", "palette-key-123456")
    f = node_pool_finding()
    f.attributes["cluster"] = "cluster-000"
    change = terraform.change_from_finding(f)
    with PaletteEmulator(make_tenant(n_clusters=1), "palette-key-123456", port=0) as emu:
        reqs = palette_patch.PaletteClient(emu.url).requests_for(change, "cluster000")
    put, patch = reqs
    assert put["method"] == "PUT" and put["path"] == "/v1/cloudconfigs/eks/cfg000/machinePools/workers"
    assert put["body"]["cloudConfig"] == {
        "instanceType": "m5.large", "capacityType": "on-demand", "azs": ["us-east-1a", "us-east-1b"],
        "additionalTags": {"team": "platform"},
    }  # fmt: skip
    pool = put["body"]["poolConfig"]
    assert (pool["name"], pool["size"], pool["minSize"], pool["maxSize"]) == ("workers", 3, 2, 6)
    assert pool["additionalLabels"] == {"pool": "workers"} and pool["isControlPlane"] is False
    assert patch == {
        "method": "PATCH",
        "path": "/v1/spectroclusters/cluster000/metadata",
        "body": {"metadata": {"annotations": {"owner": "team-0", "finops.ai/recommendation.workers": f.finding_id}}},
    }


def test_palette_changes_are_applied_by_the_emulated_api(monkeypatch):
    """Sending the two requests to the Palette emulator resizes the pool and annotates the cluster."""
    monkeypatch.setenv("PALETTE_API_KEY", "palette-key-123456")
    f = node_pool_finding()
    change = terraform.change_from_finding(f)
    with PaletteEmulator(make_tenant(n_clusters=1), "palette-key-123456", port=0) as emu:
        client = palette_patch.PaletteClient(emu.url)
        assert client.send(client.requests_for(change, "cluster000")) == [204, 204]
        kind, uid, pool, annotations = client.current("cluster000", "workers")
    assert (pool["instanceType"], pool["size"], pool["minSize"], pool["maxSize"]) == ("m5.large", 3, 2, 6)
    assert annotations["finops.ai/recommendation.workers"] == f.finding_id and annotations["owner"] == "team-0"


def _palette_route(seen: list):
    def route(method, path, body, headers):
        if headers.get("ApiKey") != "palette-key-123456":
            return 401, {"code": "InvalidAuthToken"}, {}
        if method == "GET" and path == "/v1/spectroclusters/uid-search":
            return (
                200,
                {"metadata": {"annotations": {}}, "spec": {"cloudConfigRef": {"kind": "eks", "uid": "cfg-s"}}},
                {},
            )
        if method == "GET" and path == "/v1/cloudconfigs/eks/cfg-s":
            pool = {"name": "workers", "instanceType": "m5.xlarge", "size": 3, "minSize": 3, "maxSize": 6}
            return 200, {"spec": {"machinePoolConfig": [pool]}}, {}
        seen.append((method, path))
        return 204, None, {}

    return route


def test_runner_sends_palette_changes_only_when_approved(tmp_path, monkeypatch):
    f = node_pool_finding()
    wh = findings_warehouse(
        tmp_path / "finops.duckdb", [f], [{"finding_id": f.finding_id, "status": "pending_approval"}]
    )
    with duckdb.connect(str(wh)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_palette__clusters as select 'uid-search' cluster_id, "
                    "'prod-search-use1' cluster_name, '{}' annotations_json")  # fmt: skip
        con.execute(
            "create table staging.stg_palette__machine_pools as select 'uid-search' cluster_id, 'workers' "
            "machine_pool_name, 'eks' cloud_kind, 'cfg-s' cloud_config_id, 'm5.xlarge' instance_type, 'on-demand' "
            "capacity_type, '[\"us-east-1a\"]' availability_zones_json, '{}' labels_json, '{}' tags_json, "
            "'[]' taints_json, 3 node_count, 3 min_node_count, 6 max_node_count, false is_control_plane"
        )
    seen: list = []
    with LocalServer(_palette_route(seen)) as srv:
        monkeypatch.setenv("PALETTE_API_URL", srv.url)
        monkeypatch.setenv("PALETTE_API_KEY", "palette-key-123456")
        dry = run_exports(wh, ["palette"])
        pending = run_exports(wh, ["palette"], send=True)
        assert seen == [] and pending["palette"]["results"][0]["action"].startswith("not sent (pending_approval")
        findings_warehouse(wh, [f], [{"finding_id": f.finding_id, "status": "approved"}])
        applied = run_exports(wh, ["palette"], send=True)
    assert applied["palette"]["results"][0]["statuses"] == [204, 204]
    assert seen == [("PUT", "/v1/cloudconfigs/eks/cfg-s/machinePools/workers"),
                    ("PATCH", "/v1/spectroclusters/uid-search/metadata")]  # fmt: skip
    written = json.loads((tmp_path / "exports/actions/palette" / f"{f.finding_id}.json").read_text())
    assert written[0]["path"] == "/v1/cloudconfigs/eks/cfg-s/machinePools/workers" and dry["palette"]["files"]
