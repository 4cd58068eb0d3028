"""Property: whatever Palette answers within (or beyond) its schema, the loader ends normally, pages a
bounded number of times, loads every row with a usable key, and its summary counts exactly the fields
it nulled and the sub-requests it skipped. Responses come from ``tests/fixtures/api_strategies.py``,
served over real HTTP by ``ScriptedServer``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from demo.emulators._base import Response
from ingestion.common.pipeline import make_pipeline
from ingestion.common.stats import LoadStats
from ingestion.palette import palette_source
from tests.fixtures import api_strategies as s
from tests.fixtures.api_server import ScriptedServer

MAX_PAGES = 4
FAST = {
    "api_key": "k",
    "request_timeout": 2.0,
    "max_attempts": 2,
    "backoff_factor": 0.0,
    "dashboard_rps": 0,
    "max_pages": MAX_PAGES,
    "start": "2025-01-01",
    "end": "2025-01-02",
}
PROPS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@dataclass
class World:
    """One generated tenant: pages of search results, per-cluster answers, and what must be reported."""

    pages: list[dict]
    served: int  # pages the loader must request (it stops at an empty/odd/repeated token or MAX_PAGES)
    clusters: list[tuple[str, s.Tally]] = field(default_factory=list)  # (uid, tally) of loadable items
    dropped: int = 0  # search items without a usable uid
    search_objects: int = 0  # odd item/metadata objects seen while looking for the uid
    answers: dict[str, tuple] = field(default_factory=dict)  # path -> (kind, body, tally)
    dashboard: dict[str, tuple] = field(default_factory=dict)  # table -> (kind, body, tally, rows)


def _page_tokens(draw, n: int) -> list:
    """Continue tokens of ``n`` pages: fresh, repeated, not text, or an end marker on the last page."""
    out: list = []
    for i in range(n):
        options = ["end", "end", "fresh", "odd"] if i == n - 1 else ["fresh", "fresh", "repeat", "odd"]
        choice = draw(st.sampled_from(options))
        earlier = [t for t in out if isinstance(t, str) and t]
        if choice == "repeat" and earlier:
            out.append(draw(st.sampled_from(earlier)))
        elif choice == "odd":
            out.append(draw(st.sampled_from([5, {"x": 1}, ["t"], True])))
        elif choice == "end":
            out.append(draw(st.sampled_from(["", None])))
        else:
            out.append(f"t{i}")
    return out


def _served(tokens: list) -> int:
    """Pages a correct client requests: it stops on an empty, non-text or repeated token, or at MAX_PAGES."""
    seen: set = set()
    for n, token in enumerate(tokens, 1):
        if n == MAX_PAGES or token in (None, "") or not isinstance(token, str) or token in seen:
            return n
        seen.add(token)
    return MAX_PAGES  # the last token was fresh: the server goes on with empty pages forever


def _cluster(draw, index: int) -> tuple[dict, s.Tally, str]:
    """A search item drawn from the schema, its tally, and how its uid was drawn."""
    body, tally = {}, s.Tally()
    for name, node in s.CLUSTER_BODY.items():
        value, t = s.drawn(draw, node)
        if value is not None:
            body[name] = value
        tally.columns += t.columns
        tally.objects += t.objects
    uid = draw(st.sampled_from(["good"] * 6 + ["number", "null", "unsafe"]))
    if isinstance(body.get("metadata"), dict):
        body["metadata"]["uid"] = {"good": f"c{index}", "number": 7, "null": None, "unsafe": "../../v1/users"}[uid]
    return body, tally, uid


def _answer(draw, body, tallies=()) -> tuple:
    """How one endpoint answers: its body, or a failure (HTTP 404/500, HTML, a JSON array)."""
    return draw(st.sampled_from(["ok"] * 6 + FAILURES)), body, list(tallies)


@st.composite
def worlds(draw) -> World:
    tokens = _page_tokens(draw, draw(st.integers(1, 3)))
    world = World(pages=[], served=_served(tokens))
    index = 0
    for p, token in enumerate(tokens):
        items = []
        for _ in range(draw(SIZES)):
            index += 1
            body, tally, uid = _cluster(draw, index)
            items.append(body)
            if p >= world.served:
                continue  # never requested
            metadata = body.get("metadata")
            if uid == "good" and isinstance(metadata, dict):
                world.clusters.append((metadata["uid"], tally))
            else:
                world.dropped += 1
                world.search_objects += int(metadata is not None and not isinstance(metadata, dict))
        world.pages.append({"items": items, "listmeta": {"continue": token} if token is not None else {}})
    for uid, _ in world.clusters:
        ref = {"kind": "eks", "uid": f"cfg-{uid}"}
        world.answers[f"/v1/spectroclusters/{uid}"] = _answer(draw, {"spec": {"cloudConfigRef": ref}})
        pools = [s.drawn(draw, s.POOL) for _ in range(draw(SIZES))]
        body = {"spec": {"machinePoolConfig": [v for v, _ in pools]}}
        world.answers[f"/v1/cloudconfigs/eks/cfg-{uid}"] = _answer(draw, body, [t for _, t in pools])
        spaces = [s.drawn(draw, s.NAMESPACE) for _ in range(draw(SIZES))]
        body = {"items": [v for v, _ in spaces]}
        world.answers[f"/v1/spectroclusters/{uid}/config/namespaces"] = _answer(draw, body, [t for _, t in spaces])
    for table, point in s.POINTS.items():
        resources, tallies = [], []
        for _ in range(draw(SIZES)):
            ent, et = s.drawn(draw, s.entity(table))
            points = [s.drawn(draw, point) for _ in range(draw(SIZES))]
            resources.append({"entity": ent, "data": [v for v, _ in points]})
            tallies += [(et, pt) for _, pt in points]
        world.dashboard[table] = _answer(draw, {"resources": resources}, tallies)
    return world


FAILURES = ["404", "500", "html", "array"]
SIZES = st.sampled_from([3, 2, 4, 1, 0])  # array lengths: mostly full (hypothesis leans small), sometimes empty
SKIPPED = {"404", "500", "html"}  # failed calls; a JSON array is an answer (its fields count as nulled)
DASHBOARD = {
    "/v1/dashboard/spectroclusters/cost": "cluster_costs_daily",
    "/v1/dashboard/spectroclusters/resources/cost": "namespace_costs_daily",
    "/v1/dashboard/spectroclusters/resources/consumption": "namespace_consumption_daily",
}


def _respond(kind: str, body) -> Response:
    if kind in ("404", "500"):
        return Response(int(kind), {"message": "nope"})
    if kind == "html":
        return Response(200, "<html>maintenance</html>", content_type="text/html")
    if kind == "array":
        return Response(200, ["not", "an", "object"])
    return Response(200, body)


def serve(world: World):
    """The scripted Palette of one world (search paging by token; an unknown token pages forever)."""
    after = {}
    for i, page in enumerate(world.pages):
        token = page["listmeta"].get("continue")
        if isinstance(token, str):
            after.setdefault(token, i + 1)

    def answer(req) -> Response:
        if req.path == "/v1/dashboard/spectroclusters/search":
            token = req.arg("continue")
            i = 0 if token is None else after.get(token, len(world.pages))
            if i >= len(world.pages):
                return Response(200, {"items": [], "listmeta": {"continue": f"more-{token}"}})
            return Response(200, world.pages[i])
        if req.path == "/v1/dashboard/projects":
            return Response(200, {"items": [], "listmeta": {"continue": ""}})
        if req.path in world.answers:
            return _respond(*world.answers[req.path][:2])
        if req.path in DASHBOARD:
            return _respond(*world.dashboard[DASHBOARD[req.path]][:2])
        return Response(404, {"message": f"no route {req.path}"})

    return answer


@pytest.fixture(scope="module")
def server():
    with ScriptedServer(lambda req: Response(404)) as srv:
        yield srv


def run(server: ScriptedServer, world: World, table: str) -> tuple[list[dict], LoadStats]:
    """Read one table of a fresh source (its own summary) from the world's server."""
    server.reset(serve(world))
    stats = LoadStats("palette")
    rows = list(palette_source(base_url=server.url, stats=stats, **FAST).with_resources(table))
    return rows, stats


def nulled(stats: LoadStats, table: str, columns: set[str]) -> dict:
    return {k: v for k, v in stats.api.nulled.get(table, Counter()).items() if k in columns and v}


def tally_sum(tallies) -> dict:
    total = Counter()
    for t in tallies:
        total += t.columns
    return dict(total)


@PROPS
@given(world=worlds())
def test_clusters_page_boundedly_and_count_exactly_what_was_nulled(server, world):
    rows, stats = run(server, world, "clusters")
    assert server.count("/v1/dashboard/spectroclusters/search") == world.served <= MAX_PAGES
    assert sorted(r["cluster_uid"] for r in rows) == sorted(uid for uid, _ in world.clusters)
    assert nulled(stats, "clusters", s.leaf_columns(s.CLUSTER_BODY)) == tally_sum(t for _, t in world.clusters)
    total = sum(stats.api.nulled.get("clusters", Counter()).values())
    assert total == sum(t.total() for _, t in world.clusters) + world.search_objects
    assert stats.api.dropped["clusters"] == world.dropped


@PROPS
@given(world=worlds())
def test_machine_pools_and_namespaces_skip_failed_calls_and_load_the_rest(server, world):
    details = {uid: world.answers[f"/v1/spectroclusters/{uid}"][0] for uid, _ in world.clusters}
    cases = {
        "machine_pools": (
            [world.answers[f"/v1/cloudconfigs/eks/cfg-{uid}"] for uid, kind in details.items() if kind == "ok"],
            s.leaf_columns(s.POOL),
            sum(kind in SKIPPED for kind in details.values()),
        ),
        "namespaces": (
            [world.answers[f"/v1/spectroclusters/{uid}/config/namespaces"] for uid in details],
            s.leaf_columns(s.NAMESPACE),
            0,
        ),
    }
    for table, (answers, columns, skipped_before) in cases.items():
        rows, stats = run(server, world, table)
        tallies = [t for kind, _, ts in answers if kind == "ok" for t in ts]
        assert len(rows) == sum(t.key_ok for t in tallies), table
        assert nulled(stats, table, columns) == tally_sum(tallies), table
        skipped = [sk for sk in stats.api.skipped if sk.resource == table]
        assert len(skipped) == skipped_before + sum(kind in SKIPPED for kind, _, _ in answers), table
        assert all("\n" not in sk.reason for sk in skipped)


@PROPS
@given(world=worlds())
def test_dashboard_costs_and_consumption(server, world):
    good = {uid for uid, _ in world.clusters}
    pages = sum(
        any(isinstance(i.get("metadata"), dict) and i["metadata"].get("uid") in good for i in page["items"])
        for page in world.pages[: world.served]
    )
    for table, point in s.POINTS.items():
        rows, stats = run(server, world, table)
        kind, _, tallies = world.dashboard[table]
        calls = pages if table == "cluster_costs_daily" else len(good)  # one call per page / per cluster
        assert len(stats.api.skipped) == (calls if kind in SKIPPED else 0)
        if kind != "ok":
            assert rows == []
            continue
        assert len(rows) == calls * sum(e.key_ok and p.key_ok for e, p in tallies)
        columns = s.leaf_columns(point) | s.leaf_columns(s.entity(table))
        want = tally_sum([p for _, p in tallies] + [e for e, _ in tallies])
        assert nulled(stats, table, columns) == {k: v * calls for k, v in want.items() if v * calls}
        assert all(r["usage_date"] is not None for r in rows)


@settings(
    max_examples=4,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing pipeline is not worth minutes of shrinking
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=worlds())
def test_the_whole_pipeline_loads_what_it_read(server, world, tmp_path):
    """Through dlt into DuckDB: nothing escapes, and every cluster read lands."""
    server.reset(serve(world))
    warehouse = tmp_path / f"example_{next(EXAMPLES)}" / "finops.duckdb"
    warehouse.parent.mkdir()
    make_pipeline("palette", warehouse).run(palette_source(base_url=server.url, **FAST))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        loaded = con.execute("select count(*) from raw_palette.clusters").fetchone()[0] if "clusters" in tables else 0
    assert loaded == len(world.clusters)


EXAMPLES = itertools.count()
