"""Render the monthly showback reports: one HTML (inline SVG charts) and Markdown pair per team, plus an
executive summary across teams. The narrative comes from templates over computed facts; a configured
model may rewrite it (:mod:`actions.reports.llm`), checked number by number.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from actions.exports.common import relation_exists
from actions.reports import charts, llm
from actions.reports.facts import (
    ALLOCATION,
    TeamFacts,
    executive_facts,
    frame,
    latest_month,
    month_label,
    team_facts,
    teams,
)

log = logging.getLogger(__name__)
TOP_N = 10


def environment() -> Environment:
    """Jinja environment of ``actions/reports/templates`` (HTML autoescaped) with the money filters."""
    env = Environment(
        loader=PackageLoader("actions.reports", "templates"),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["money"] = lambda v: "n/a" if v is None else (f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}")
    env.filters["signed_pct"] = lambda v: f"{v:+.1f}%"
    env.filters["abs_pct"] = lambda v: f"{abs(v):.1f}%"
    env.filters["md"] = lambda s: str(s).replace("|", "\\|")
    return env


def _sentences(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _narrative(
    env: Environment, name: str, ctx: dict, numbers: list[float], terms, projects, config
) -> tuple[str, str]:
    text = _sentences(env.get_template(name).render(**ctx))
    result = llm.rewrite(text, numbers, terms, projects, config) if config else llm.Rewrite(text, "template")
    if result.source == "llm":
        return (
            result.text,
            f"Summary rewritten by {config.model}; every figure in it was checked against the computed facts.",
        )
    if config:
        log.info("%s: template narrative kept (%s)", ctx.get("title", name), result.reason)
    return text, "Summary written from the computed figures."


def team_numbers(f: TeamFacts) -> list[float]:
    """Every figure a team narrative may state."""
    out = [f.effective, f.billed, f.savings, len(f.anomalies), len(f.recommendations), float(f.month[:4])]
    out += [
        v for v in (f.prev_effective, f.change_abs, f.change_pct, f.idle_share_pct, f.forecast_next) if v is not None
    ]
    out += [v for _, v in f.by_service + f.by_namespace]
    out += frame(f.by_service)["share_pct"].tolist() + frame(f.by_namespace)["share_pct"].tolist()
    out += [r["impact_usd"] for r in f.anomalies + f.recommendations]
    return [float(v) for v in out]


def render_team(f: TeamFacts, config: llm.LlmConfig | None = None) -> tuple[str, str, str]:
    """(html, markdown, narrative source) of one team's report."""
    env = environment()
    services, namespaces = frame(f.by_service), frame(f.by_namespace)
    ctx = {
        "f": f,
        "month_label": month_label(f.month),
        "prev_label": month_label(f.prev_month),
        "services": services.to_dict("records"),
        "namespaces": namespaces.to_dict("records"),
        "top_anomaly": max(f.anomalies, key=lambda a: a["impact_usd"]) if f.anomalies else None,
        "top_n": TOP_N,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "title": f"team {f.team}",
    }
    narrative, note = _narrative(env, "team_narrative.txt.j2", ctx, team_numbers(f), f.sensitive, f.projects, config)
    marks = [(a["day"], f"{a['day']}: {a['title']} (+${a['impact_usd']:,.2f})") for a in f.anomalies]
    ctx |= {
        "narrative": narrative,
        "narrative_note": note,
        "trend_svg": charts.trend_chart(f.daily, f.forecast, marks, f"Daily cost of team {f.team}"),
        "service_svg": charts.bar_chart(f.by_service, "Cost by service category"),
        "namespace_svg": charts.bar_chart(f.by_namespace, "Cost by namespace"),
    }
    html = env.get_template("team.html.j2").render(**ctx)
    md = env.get_template("team.md.j2").render(**ctx)
    return html, md, "llm" if note.startswith("Summary rewritten") else "template"


def render_executive(e: dict, config: llm.LlmConfig | None = None) -> tuple[str, str, str]:
    """(html, markdown, narrative source) of the executive summary."""
    env = environment()
    rows: list[TeamFacts] = sorted(e["teams"], key=lambda t: -t.effective)
    change_pct = (
        round(100 * (e["effective"] - e["prev_effective"]) / e["prev_effective"], 1) if e["prev_effective"] else None
    )
    savings = round(sum(r["impact_usd"] for r in e["recommendations"]), 2)
    forecast_next = round(sum(y for _, y, _, _ in e["forecast"][:30]), 2) if e["forecast"] else None
    if e["forecast_30d"]:
        forecast_next = e["forecast_30d"][0]
    grower = max(rows, key=lambda t: t.change_abs or 0) if rows else None
    ctx = {
        "e": e, "teams": rows, "month_label": month_label(e["month"]),
        "prev_label": month_label(rows[0].prev_month) if rows else "", "change_pct": change_pct, "savings": savings,
        "forecast_next": forecast_next, "biggest": rows[0] if rows else None, "grower": grower, "top_n": TOP_N,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "title": "executive summary",
    }  # fmt: skip
    numbers = [e["effective"], e["billed"], e["prev_effective"], savings, len(rows), len(e["anomalies"])]
    numbers += [v for v in (change_pct, forecast_next, *(e["forecast_30d"] or ())) if v is not None]
    numbers += [float(e["month"][:4])]
    numbers += [v for t in rows for v in (t.effective, t.billed, t.change_abs or 0, t.savings)]
    numbers += [r["impact_usd"] for r in e["recommendations"] + e["anomalies"]]
    narrative, note = _narrative(env, "executive_narrative.txt.j2", ctx, numbers, e["sensitive"], e["projects"], config)
    marks = [(a["day"], f"{a['day']}: {a['title']}") for a in e["anomalies"]]
    ctx |= {
        "narrative": narrative,
        "narrative_note": note,
        "trend_svg": charts.trend_chart(e["daily"], e["forecast"], marks, "Daily cost, all teams"),
        "team_svg": charts.bar_chart([(t.team, t.effective) for t in rows], "Effective cost by team"),
    }
    html = env.get_template("executive.html.j2").render(**ctx)
    md = env.get_template("executive.md.j2").render(**ctx)
    return html, md, "llm" if note.startswith("Summary rewritten") else "template"


def slug(team: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", team.lower()).strip("-") or "team"


def write_reports(
    warehouse: str | Path,
    out_dir: str | Path | None = None,
    month: str | None = None,
    only_team: str | None = None,
    config: llm.LlmConfig | None = None,
) -> list[dict]:
    """Write every team's report (or ``only_team``'s) and, for all teams, the executive summary."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        if not relation_exists(con, ALLOCATION):
            raise ValueError(f"{ALLOCATION} is missing: build the cost model first (`finops build`)")
        month = month or latest_month(con)
        names = teams(con, month)
    if only_team is not None and only_team not in names:
        raise ValueError(f"team {only_team!r} has no cost in {month}; teams: {', '.join(names)}")
    out = Path(out_dir) if out_dir else Path(warehouse).parent / "reports"
    folder = out / month
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for team in [only_team] if only_team else names:
        html, md, source = render_team(team_facts(warehouse, team, month), config)
        written.append(_save(folder, f"team-{slug(team)}", html, md, team, source))
    if only_team is None:
        html, md, source = render_executive(executive_facts(warehouse, month), config)
        written.append(_save(folder, "executive-summary", html, md, "*", source))
    return written


def _save(folder: Path, stem: str, html: str, md: str, team: str, source: str) -> dict:
    (folder / f"{stem}.html").write_text(html, encoding="utf-8")
    (folder / f"{stem}.md").write_text(md, encoding="utf-8")
    return {
        "team": team,
        "html": str(folder / f"{stem}.html"),
        "md": str(folder / f"{stem}.md"),
        "html_bytes": len(html.encode()),
        "md_bytes": len(md.encode()),
        "narrative": source,
    }
