"""Monthly showback reports: each team's report holds only its own rows, figures equal the warehouse,
charts are inline SVG (nothing fetched), the Markdown twin says the same, the summary spans all teams."""

from __future__ import annotations

import re

import pytest

from actions.reports.facts import team_facts
from actions.reports.render import write_reports
from tests.actions.report_fixtures import TEAMS, allocation_rows, findings, report_warehouse


@pytest.fixture
def reports(tmp_path):
    wh = report_warehouse(tmp_path / "finops.duckdb")
    written = write_reports(wh, tmp_path / "reports", month="2026-10")
    return {r["team"]: r for r in written}, wh


def _money(v: float) -> str:
    return f"${v:,.2f}"


def _read(r: dict) -> tuple[str, str]:
    return open(r["html"], encoding="utf-8").read(), open(r["md"], encoding="utf-8").read()


def test_each_team_report_holds_only_its_own_rows(reports):
    written, wh = reports
    rows = allocation_rows()
    for team, other in (("payments", "search"), ("search", "payments")):
        html, md = _read(written[team])
        cluster, namespaces, account, cc = TEAMS[other]
        others = rows[(rows.team == other) & (rows.billing_period == "2026-10")]
        foreign = [other, cluster, account, cc, *namespaces, _money(others.effective_cost.sum())]
        foreign += [_money(f.impact_usd) for f in findings() if f.attributes["team"] == other]
        for text in foreign:
            assert text not in html and text not in md, f"{team} report leaks {text!r}"
        for ns in TEAMS[team][1]:
            assert ns in html and ns in md


def test_figures_equal_the_warehouse(reports):
    written, wh = reports
    rows = allocation_rows()
    mine = rows[(rows.team == "payments") & (rows.billing_period == "2026-10")]
    prev = rows[(rows.team == "payments") & (rows.billing_period == "2026-09")].effective_cost.sum()
    html, md = _read(written["payments"])
    total = mine.effective_cost.sum()
    for text in (
        _money(total),
        _money(mine.billed_cost.sum()),
        _money(mine[mine.namespace_name == "ledger"].effective_cost.sum()),
    ):
        assert text in html and text in md
    change = round(100 * (total - prev) / prev, 1)
    assert f"+{change:.1f}%" in html and f"up {change:.1f}%" in md
    f = team_facts(wh, "payments", "2026-10")
    assert f.effective == round(total, 2) and [n for n, _ in f.by_namespace] == ["ledger", "fraud-scoring"]
    assert "$187.43" in html and "$333.21" in md  # the team's anomaly and recommendation
    assert "The forecast for the next 30 days is $2,513.94 (80% interval $2,262.55 to $2,765.33)." in md


def test_html_is_self_contained_with_charts(reports):
    written, _ = reports
    html, md = _read(written["payments"])
    assert html.count("<svg") == 3 and "<polygon" in html and 'fill="#c62828"' in html  # band + anomaly dot
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)
    assert "Charts are in the HTML version" in md and "| ledger | $1,531.52 | 63.9% |" in md


def test_executive_summary_spans_all_teams(reports):
    written, _ = reports
    html, md = _read(written["*"])
    rows = allocation_rows()
    month = rows[rows.billing_period == "2026-10"]
    assert _money(month.effective_cost.sum()) in html and _money(month.effective_cost.sum()) in md
    for team in TEAMS:
        assert f"| {team} | {_money(month[month.team == team].effective_cost.sum())} |" in md
    assert md.index("$644.87") < md.index("$333.21")  # recommendations by savings, across teams


def test_report_sizes_and_unknown_team(reports, tmp_path):
    written, wh = reports
    assert set(written) == {"payments", "search", "*"}
    assert all(2_000 < r["html_bytes"] < 60_000 and 500 < r["md_bytes"] < 10_000 for r in written.values())
    only = write_reports(wh, tmp_path / "one", month="2026-10", only_team="search")
    assert [r["team"] for r in only] == ["search"]
    with pytest.raises(ValueError, match="team 'nobody' has no cost in 2026-10"):
        write_reports(wh, tmp_path / "x", month="2026-10", only_team="nobody")


def test_reports_say_so_when_the_warehouse_holds_demo_data(reports, tmp_path):
    from finops_core.provenance import record_demo

    written, wh = reports
    for r in written.values():  # a warehouse of real data: no demo line
        assert "DEMO DATA" not in open(r["html"], encoding="utf-8").read() + open(r["md"], encoding="utf-8").read()
    record_demo(wh, tmp_path / "demo_estate")
    again = write_reports(wh, tmp_path / "demo_reports", month="2026-10")
    assert {r["team"] for r in again} == {*TEAMS, "*"}
    line = f"DEMO DATA: this warehouse holds the generated demo estate {tmp_path / 'demo_estate'}, not real bills"
    for r in again:
        html, md = _read(r)
        assert f'<p class="demo-note">{line}</p>' in html
        assert md.count(line) == 1
