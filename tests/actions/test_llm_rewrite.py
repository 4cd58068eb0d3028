"""The optional LLM rewrite against a local fake OpenAI-compatible endpoint: identifiers never leave,
names come back restored, and a rewrite that invents a number is rejected (template kept, reason logged)."""

from __future__ import annotations

import json
import logging

import pytest

from actions.reports import llm
from actions.reports.facts import team_facts
from actions.reports.redact import Redactor
from actions.reports.render import render_team
from tests.actions.delivery_fakes import LocalServer
from tests.actions.report_fixtures import TEAMS, report_warehouse


def _chat(reply):
    """A fake /v1/chat/completions answering ``reply(user_text)``."""

    def route(method, path, body, headers):
        assert method == "POST" and path == "/v1/chat/completions"
        user = body["messages"][-1]["content"]
        return 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": reply(user)}}]}, {}

    return route


@pytest.fixture
def facts(tmp_path):
    return team_facts(report_warehouse(tmp_path / "finops.duckdb"), "payments", "2026-10")


def _config(srv: LocalServer) -> llm.LlmConfig:
    return llm.LlmConfig(srv.url + "/v1", "local-model", "llm-key-abcdef123")


def test_accepted_rewrite_is_pseudonymised_on_the_way_out_and_restored(facts):
    with LocalServer(_chat(lambda user: "Here is the month in brief. " + user)) as srv:
        html, md, source = render_team(facts, _config(srv))
    sent = srv.requests[0]["raw"]
    cluster, namespaces, account, cc = TEAMS["payments"]
    for secret in (cluster, account, cc, "proj-payments", *namespaces, "ledger-worker"):
        assert secret not in sent
    assert "[RESOURCE_" in sent and srv.requests[0]["headers"]["Authorization"] == "Bearer llm-key-abcdef123"
    assert json.loads(sent)["model"] == "local-model"
    assert source == "llm" and "Here is the month in brief. In October 2026" in md
    assert "Namespace ledger cost the most: $1,531.52." in md and "prod-commerce-use1" in md  # restored
    assert "Summary rewritten by local-model" in html


def test_invented_number_is_rejected_and_logged(facts, caplog):
    caplog.set_level(logging.WARNING)
    with LocalServer(_chat(lambda user: user + " Next month will cost $9,999.00.")) as srv:
        html, md, source = render_team(facts, _config(srv))
    assert source == "template" and "$9,999" not in md and "Summary written from the computed figures." in md
    assert "number 9999 is not a computed fact" in caplog.text


def test_unknown_token_and_endpoint_errors_fall_back(facts, caplog):
    caplog.set_level(logging.WARNING)
    text = "Namespace ledger on prod-commerce-use1 cost $1,531.52."
    with LocalServer(_chat(lambda user: user.replace("[RESOURCE_A]", "[RESOURCE_ZZ]"))) as srv:
        out = llm.rewrite(text, [1531.52], ["ledger", "prod-commerce-use1"], config=_config(srv))
    assert out.source == "template" and "never sent" in out.reason and out.text == text
    with LocalServer(lambda m, p, b, h: (500, {"error": "overloaded"}, {})) as srv:
        out = llm.rewrite(text, [1531.52], ["ledger"], config=llm.LlmConfig(srv.url, "m", "llm-key-abcdef123"))
    assert out.source == "template" and out.reason.startswith("endpoint failed") and "llm-key" not in caplog.text


def test_number_matching_tolerates_formatting_only():
    facts = [2397.91, 12.7, 1531.52, 2026.0]
    ok = "In October 2026 the team spent $2,397.91 (about $2.4k), up 12.7% (13%); ledger took $1.53k."
    assert llm.check_numbers(ok, facts, "") == ""
    assert llm.check_numbers("It spent $2,500.", facts, "") == "number 2500 is not a computed fact"
    assert llm.check_numbers("Up 15%.", facts, "") == "number 15 is not a computed fact"
    assert "date 2026-11-03" in llm.check_numbers("Spike on 2026-11-03.", facts, "Spike on 2026-10-12.")


def test_redactor_masks_ids_by_shape_and_restores():
    r = Redactor(["prod-search-use1", "search-api"], ["CC-2001"])
    text = "search-api on prod-search-use1 in account 444455556666 (CC-2001, CC-9999, i-0abc12345def67890)"
    masked = r.mask(text)
    for s in ("search-api", "prod-search-use1", "444455556666", "CC-2001", "CC-9999", "i-0abc12345def67890"):
        assert s not in masked
    assert not any(ch.isdigit() for ch in masked)
    assert r.unmask(masked) == text
