"""The Palette and Prometheus emulators over real HTTP on 127.0.0.1: shapes, paging, auth, faults, PromQL."""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from demo.emulators import PaletteEmulator, PrometheusEmulator
from tests.fixtures.palette.factory import make_tenant, write_tenant
from tests.fixtures.prometheus.factory import HOUR, START, cpu_counter, write_series

KEY = "emu-key-0001"
SEARCH = "/v1/dashboard/spectroclusters/search"


@pytest.fixture
def palette():
    with PaletteEmulator(make_tenant(n_clusters=60, n_projects=2, days=3), KEY, rate_limit=None) as emu:
        yield emu


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    path = write_series(tmp_path_factory.mktemp("prom") / "series.parquet", hours=24)
    with PrometheusEmulator(path) as emu:
        yield emu


def post(emu, path, body=None, key=KEY, **kw):
    headers = {"ApiKey": key, **kw.pop("headers", {})}
    return requests.post(emu.url + path, json=body or {}, headers=headers, timeout=5, **kw)


def test_search_pages_with_listmeta_until_empty_continue(palette):
    first = post(palette, SEARCH, params={"limit": 500}).json()
    assert len(first["items"]) == 50 and first["listmeta"]["count"] == 60 and first["listmeta"]["limit"] == 50
    token = first["listmeta"]["continue"]
    second = post(palette, SEARCH, params={"limit": 50, "continue": token}).json()
    assert len(second["items"]) == 10 and second["listmeta"]["continue"] == ""
    by_offset = post(palette, SEARCH, params={"limit": 20, "offset": 50}).json()
    assert [i["metadata"]["uid"] for i in by_offset["items"]] == [i["metadata"]["uid"] for i in second["items"]]


def test_wrong_key_is_401_json(palette):
    resp = requests.get(palette.url + "/v1/spectroclusters/cluster000", headers={"ApiKey": "nope"}, timeout=5)
    assert resp.status_code == 401 and resp.json()["code"] == "InvalidAuthToken"


def test_project_scope_and_cost_filters(palette):
    scoped = post(palette, SEARCH, headers={"ProjectUid": "proj001"}).json()
    assert scoped["listmeta"]["count"] == 30
    assert {i["specSummary"]["projectMeta"]["uid"] for i in scoped["items"]} == {"proj001"}
    assert (
        requests.get(
            palette.url + "/v1/spectroclusters/cluster000",
            headers={"ApiKey": KEY, "ProjectUid": "proj001"},
            timeout=5,
        ).status_code
        == 404
    )
    body = {
        "filter": {"startTime": START + 86400, "endTime": "2025-01-03T00:00:00Z", "clusters": ["cluster001"]},
        "options": {"groupBy": "cluster"},
    }
    res = post(palette, "/v1/dashboard/spectroclusters/cost", body).json()["resources"]
    assert [r["entity"]["uid"] for r in res] == ["cluster001"]
    assert [p["timestamp"] for p in res[0]["data"]] == [START + 86400]
    assert res[0]["total"] == {"compute": 2.0, "storage": 0.25, "total": 2.25}
    cons = post(
        palette,
        "/v1/dashboard/spectroclusters/resources/consumption",
        {"filter": {"clusters": ["cluster001"]}, "options": {"groupBy": "namespace"}},
    ).json()
    assert {r["entity"]["name"] for r in cons["resources"]} == {"team-a", "kube-system"}
    assert cons["resources"][0]["total"]["usage"]["cpu"] == pytest.approx(0.5 + 1.5 + 2.5)


def test_detail_cloudconfig_namespaces_rate(palette):
    get = lambda p: requests.get(palette.url + p, headers={"ApiKey": KEY}, timeout=5)  # noqa: E731
    ref = get("/v1/spectroclusters/cluster002").json()["spec"]["cloudConfigRef"]
    pools = get(f"/v1/cloudconfigs/{ref['kind']}/{ref['uid']}").json()["spec"]["machinePoolConfig"]
    assert [p["name"] for p in pools] == ["control-plane", "workers"]
    assert get(f"/v1/cloudconfigs/nope/{ref['uid']}").status_code == 404
    assert len(get("/v1/spectroclusters/cluster002/config/namespaces").json()["items"]) == 2
    assert get("/v1/spectroclusters/cluster002/rate?periodType=hourly").json()["rate"]["total"] == 0.5
    projects = post(palette, "/v1/dashboard/projects").json()
    assert projects["listmeta"]["count"] == 2
    assert get("/v1/projects/proj001").json()["metadata"]["name"] == "project-1"


def test_rate_limit_429_with_retry_after():
    with PaletteEmulator(make_tenant(n_clusters=1), KEY) as emu:
        codes = [post(emu, "/v1/dashboard/projects") for _ in range(8)]
        assert [r.status_code for r in codes[:5]] == [200] * 5
        limited = [r for r in codes if r.status_code == 429]
        assert limited and limited[0].headers["Retry-After"] == "1"
        # non-dashboard paths are not limited
        assert requests.get(emu.url + "/v1/projects/proj000", headers={"ApiKey": KEY}, timeout=5).ok


def test_faults_and_admin_mutations(palette):
    requests.post(palette.url + "/__admin/faults", json={"status": 503, "count": 2}, timeout=5)
    assert [post(palette, SEARCH).status_code for _ in range(3)] == [503, 503, 200]
    palette.inject_fault(status=None, delay=0.6, path="/v1/dashboard")
    with pytest.raises(requests.Timeout):
        requests.post(palette.url + SEARCH, headers={"ApiKey": KEY}, json={}, timeout=0.2)
    requests.delete(palette.url + "/__admin/clusters/cluster000", timeout=5)
    requests.patch(palette.url + "/__admin/clusters/cluster001/machinepools/workers", json={"size": 9}, timeout=5)
    assert post(palette, SEARCH).json()["listmeta"]["count"] == 59
    cfg = requests.get(palette.url + "/v1/cloudconfigs/aks/cfg001", headers={"ApiKey": KEY}, timeout=5).json()
    assert cfg["spec"]["machinePoolConfig"][1]["size"] == 9
    new = make_tenant(n_clusters=1)["clusters"][0]
    new["metadata"].update(uid="cluster-new", name="zz-new")
    requests.post(palette.url + "/__admin/clusters", json={"cluster": new}, timeout=5)
    assert post(palette, SEARCH).json()["listmeta"]["count"] == 60
    assert ["POST", SEARCH, 503] in requests.get(palette.url + "/__admin/requests", timeout=5).json()


def test_prometheus_matrix_rate_and_selectors(prometheus):
    q = (
        "sum by (pod) (rate(container_cpu_usage_seconds_total"
        '{container!="",container!="POD",namespace=~"team-.*"}[1h]))'
    )
    body = requests.get(
        prometheus.url + "/api/v1/query_range",
        timeout=5,
        params={"query": q, "start": START, "end": START + 3 * HOUR, "step": "1h"},
    ).json()
    assert body["status"] == "success" and body["data"]["resultType"] == "matrix"
    series = {r["metric"]["pod"]: r["values"] for r in body["data"]["result"]}
    assert set(series) == {"api-1", "worker-1"}
    assert [t for t, _ in series["api-1"]] == [START + h * HOUR for h in (1, 2, 3)]
    expected = [(cpu_counter(0, h) - cpu_counter(0, h - 1)) / HOUR for h in (1, 2, 3)]
    assert [float(v) for _, v in series["api-1"]] == pytest.approx(expected)
    sel = requests.post(
        prometheus.url + "/api/v1/query_range",
        timeout=5,
        data={"query": 'kube_node_info{node!="node-b"}', "start": START, "end": START + HOUR, "step": 3600},
    ).json()
    assert [r["metric"]["__name__"] for r in sel["data"]["result"]] == ["kube_node_info"]
    assert sel["data"]["result"][0]["values"] == [[START, "1"], [START + HOUR, "1"]]


def test_prometheus_errors_instant_and_ready(prometheus):
    bad = requests.get(
        prometheus.url + "/api/v1/query_range",
        timeout=5,
        params={"query": "histogram_quantile(0.9, x)", "start": START, "end": START, "step": 60},
    )
    assert bad.status_code == 400 and bad.json()["errorType"] == "bad_data" and bad.json()["status"] == "error"
    inst = requests.get(
        prometheus.url + "/api/v1/query",
        timeout=5,
        params={
            "query": 'max by (node) (kube_node_status_capacity{resource="cpu"})',
            "time": START + 5 * HOUR,
        },
    ).json()
    assert inst["data"]["resultType"] == "vector" and {r["value"][1] for r in inst["data"]["result"]} == {"4"}
    assert requests.get(prometheus.url + "/-/ready", timeout=5).status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first_line(proc: subprocess.Popen, timeout: float = 60.0) -> str:
    """The subprocess's first line of output; fails (instead of hanging) after ``timeout`` seconds."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        pytest.fail(f"the emulator printed nothing within {timeout:.0f}s")
    return proc.stdout.readline()


def test_cli_serves_palette(tmp_path: Path):
    data = write_tenant(tmp_path / "tenant.json", n_clusters=2)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "demo.emulators",
            "palette",
            "--data",
            str(data),
            "--port",
            str(port),
            "--api-key",
            KEY,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert "listening on" in _first_line(proc)
        resp = requests.post(f"http://127.0.0.1:{port}{SEARCH}", headers={"ApiKey": KEY}, json={}, timeout=5)
        assert resp.json()["listmeta"]["count"] == 2
        assert json.loads(data.read_text())["tenant"]["name"] == "demo"
    finally:
        proc.terminate()
        try:
            assert proc.wait(timeout=15) is not None
        finally:
            proc.kill()  # never leave the server behind, even if SIGTERM was not honoured in time
