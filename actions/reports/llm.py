"""Optional rewrite of a report narrative by a language model behind an OpenAI-compatible endpoint.

Configured only by environment variables (``FINOPS_LLM_BASE_URL``, ``FINOPS_LLM_MODEL``,
``FINOPS_LLM_API_KEY``), meant for a local or VPC-private model. The text is pseudonymised before it
leaves (:mod:`actions.reports.redact`); the answer is accepted only if every number in it matches a
computed fact (formatting tolerated: ``$12.3k``, ``12,345``, ``4%``) and it names no token it was not
given. Otherwise the template text is kept and the reason logged.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from actions.delivery import DeliveryError, RetryPolicy, request_json
from actions.reports.redact import TOKEN_RE, Redactor

log = logging.getLogger(__name__)
NUMBER_RE = re.compile(r"(?<![\w.])[-+−]?\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(%|[kKmM]\b|bn\b)?")
DATE_RE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
MULTIPLIER = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "bn": 1e9}
SYSTEM_PROMPT = (
    "You edit monthly cloud cost reports for engineering teams. Rewrite the text so it reads clearly and "
    "briefly for a busy engineering manager. Keep every figure exactly as given (you may round, never "
    "invent or compute new numbers). Keep tokens in square brackets such as [RESOURCE_A] unchanged. "
    "Answer with the rewritten text only."
)


@dataclass(frozen=True)
class LlmConfig:
    """Where the model is; ``from_env`` returns None when no endpoint is configured."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 60.0

    @classmethod
    def from_env(cls) -> LlmConfig | None:
        base = os.environ.get("FINOPS_LLM_BASE_URL")
        if not base:
            return None
        return cls(
            base.rstrip("/"), os.environ.get("FINOPS_LLM_MODEL", "default"), os.environ.get("FINOPS_LLM_API_KEY")
        )


@dataclass(frozen=True)
class Rewrite:
    """The narrative to publish, where it came from (``llm`` or ``template``) and why."""

    text: str
    source: str
    reason: str = ""


def numbers_in(text: str) -> list[tuple[float, int, float]]:
    """Numbers in ``text`` as (value in units, decimals shown, multiplier), dates and tokens excluded."""
    text = TOKEN_RE.sub(" ", DATE_RE.sub(" ", text))
    out = []
    for m in NUMBER_RE.finditer(text):
        whole, frac, suffix = m.group(1), m.group(2) or "", m.group(3) or ""
        value = float(whole.replace(",", "") + frac)
        out.append((value, max(len(frac) - 1, 0), MULTIPLIER.get(suffix, 1.0)))
    return out


def matches_fact(value: float, decimals: int, multiplier: float, facts: Iterable[float]) -> bool:
    """True when some fact, shown with the same decimals and unit, reads as ``value`` (or is within 0.5%)."""
    for fact in facts:
        scaled = abs(fact) / multiplier
        if math.isclose(round(scaled, decimals), value, abs_tol=10 ** -(decimals + 2)):
            return True
        if scaled and abs(scaled - value) <= 0.005 * scaled:
            return True
    return False


def check_numbers(candidate: str, facts: Iterable[float], template: str) -> str:
    """Empty when every number of ``candidate`` is a fact (or appears in ``template``), else the reason."""
    allowed = list(facts) + [v * m for v, _, m in numbers_in(template)]
    for value, decimals, multiplier in numbers_in(candidate):
        if not matches_fact(value, decimals, multiplier, allowed):
            unit = {1.0: "", 1e3: "k", 1e6: "M", 1e9: "bn"}[multiplier]
            return f"number {value:g}{unit} is not a computed fact"
    template_dates = set(DATE_RE.findall(template))
    extra = [d for d in DATE_RE.findall(candidate) if d not in template_dates]
    return f"date {extra[0]} is not in the facts" if extra else ""


def rewrite(
    text: str,
    facts: Iterable[float],
    terms: Iterable[str] = (),
    projects: Iterable[str] = (),
    config: LlmConfig | None = None,
) -> Rewrite:
    """Ask the model to rewrite ``text``; fall back to ``text`` (and log why) on any failure or mismatch."""
    config = config or LlmConfig.from_env()
    if config is None:
        return Rewrite(text, "template", "no FINOPS_LLM_BASE_URL configured")
    redactor = Redactor(terms, projects)
    masked = redactor.mask(text)
    body = {
        "model": config.model,
        "temperature": 0,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": masked}],
    }
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    policy = RetryPolicy(attempts=2, backoff_s=1.0, timeout_s=config.timeout_s)
    try:
        res = request_json(
            "POST", f"{config.base_url}/chat/completions", json_body=body, headers=headers, policy=policy
        )
        answer = str(res.body["choices"][0]["message"]["content"]).strip()
    except (DeliveryError, KeyError, IndexError, TypeError) as exc:
        return _fallback(text, f"endpoint failed: {exc}")
    if not answer:
        return _fallback(text, "empty answer")
    unknown = redactor.unknown_tokens(answer)
    if unknown:
        return _fallback(text, f"answer names {unknown[0]}, which was never sent")
    problem = check_numbers(answer, facts, masked)
    if problem:
        return _fallback(text, problem)
    return Rewrite(redactor.unmask(answer), "llm")


def _fallback(text: str, reason: str) -> Rewrite:
    log.warning("LLM rewrite rejected, template text kept: %s", reason)
    return Rewrite(text, "template", reason)
