"""HTTP delivery against real local servers: retries with backoff, 429 Retry-After, timeouts, giving up,
and secrets that never reach logs, errors or files."""

from __future__ import annotations

import logging

import pytest

from actions.delivery import DeliveryError, RetryPolicy, basic_auth, request_json, retry_after_seconds
from tests.actions.delivery_fakes import LocalServer, scripted

FAST = RetryPolicy(attempts=4, backoff_s=0.05, max_backoff_s=1.0, timeout_s=2.0)


def _gaps(server: LocalServer) -> list[float]:
    stamps = [r["at"] for r in server.requests]
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)]


def test_retries_5xx_with_exponential_backoff_then_succeeds():
    replies = [(503, {"e": 1}, {}), (502, {"e": 2}, {})]
    with LocalServer(scripted(replies, then=(201, {"key": "FIN-1"}, {}))) as srv:
        res = request_json("POST", srv.url + "/rest/api/2/issue", json_body={"a": 1}, policy=FAST)
    assert res.status == 201 and res.body == {"key": "FIN-1"}
    assert res.attempts == 3 and len(srv.requests) == 3
    assert res.waited_s == pytest.approx(0.05 + 0.10)
    gaps = _gaps(srv)
    assert gaps[0] >= 0.045 and gaps[1] >= 0.095  # 0.05 then 0.10: the backoff doubles


def test_429_retry_after_is_honoured_and_measured():
    with LocalServer(scripted([(429, {"m": "slow down"}, {"Retry-After": "1"})])) as srv:
        res = request_json("POST", srv.url + "/hook", json_body={}, policy=FAST)
    assert res.status == 200 and res.attempts == 2
    (gap,) = _gaps(srv)
    assert 0.95 <= gap < 2.5, gap  # waited the server's 1 s, not the 0.05 s backoff


def test_timeout_is_retried():
    policy = RetryPolicy(attempts=3, backoff_s=0.05, timeout_s=0.3)
    with LocalServer(scripted([(0, 1.0, {})])) as srv:  # first answer comes after 1 s > 0.3 s timeout
        res = request_json("GET", srv.url + "/slow", policy=policy)
    assert res.attempts == 2 and res.body == {"ok": True}


def test_gives_up_after_n_tries_with_a_clear_error():
    policy = RetryPolicy(attempts=3, backoff_s=0.01)
    with LocalServer(scripted([], then=(500, {"error": "boom"}, {}))) as srv:
        with pytest.raises(DeliveryError) as err:
            request_json("POST", srv.url + "/api/now/table/incident", json_body={}, policy=policy)
    assert len(srv.requests) == 3
    assert err.value.status == 500 and err.value.attempts == 3
    assert "gave up after 3 attempts" in str(err.value) and "HTTP 500" in str(err.value)


def test_client_errors_are_not_retried():
    with LocalServer(scripted([], then=(400, {"errors": {"project": "required"}}, {}))) as srv:
        with pytest.raises(DeliveryError, match="HTTP 400"):
            request_json("POST", srv.url + "/rest/api/2/issue", json_body={}, policy=FAST)
    assert len(srv.requests) == 1


def test_connection_refused_gives_up():
    with LocalServer(scripted([])) as srv:
        url = srv.url
    with pytest.raises(DeliveryError, match="ConnectionError"):
        request_json("GET", url + "/gone", policy=RetryPolicy(attempts=2, backoff_s=0.01, timeout_s=0.5))


def test_secrets_never_reach_logs_or_errors(monkeypatch, caplog):
    token, hook_path = "s3cr3t-jira-token-XYZ", "/services/T000/B000/abcdefSECRET"
    caplog.set_level(logging.DEBUG)
    # the server echoes everything it was sent (as a careless upstream might) with a 500
    with LocalServer(lambda m, p, b, h: (500, {"echo": h.get("Authorization"), "path": p}, {})) as srv:
        webhook = srv.url + hook_path
        monkeypatch.setenv("JIRA_API_TOKEN", token)
        monkeypatch.setenv("SLACK_WEBHOOK_URL", webhook)
        auth = basic_auth("bot@example.com", token)
        with pytest.raises(DeliveryError) as e1:
            request_json("POST", srv.url + "/rest/api/2/issue", headers={"Authorization": auth}, policy=FAST)
        with pytest.raises(DeliveryError) as e2:
            request_json("POST", webhook, json_body={"text": "hi"}, policy=FAST)
    assert srv.requests[0]["headers"]["Authorization"] == auth  # it was really sent
    text = caplog.text + str(e1.value) + str(e2.value)
    assert "HTTP 500" in text and "***" in text
    for secret in (token, auth, auth.split(" ", 1)[1], hook_path, webhook):
        assert secret not in text


def test_retry_after_http_date():
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert retry_after_seconds(None) is None
