"""Reversible pseudonymisation of text sent to a language model.

Account ids, resource names (clusters, namespaces, workloads, pools, resource ids) and internal project
codes are replaced by tokens such as ``[RESOURCE_B]`` before the text leaves, and restored in the answer.
Tokens carry no digits, so the number check of the rewrite never confuses a token with a figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TOKEN_RE = re.compile(r"\[(ACCOUNT|RESOURCE|PROJECT)_([A-Z]+)\]")
# Identifiers caught by shape even when nobody listed them.
PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("ACCOUNT", re.compile(r"\barn:aws[\w:/+=,.@-]*")),
    ("ACCOUNT", re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")),
    ("ACCOUNT", re.compile(r"\b[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}\b")),  # GCP billing account
    ("ACCOUNT", re.compile(r"(?<![\d.,$])\d{12}(?![\d.,])")),  # AWS account id
    ("RESOURCE", re.compile(r"\b(?:i|vol|snap|eni|lb|nat|sg|subnet|vpc)-[0-9a-f]{8,17}\b")),
    ("RESOURCE", re.compile(r"/subscriptions/[\w/.-]+")),
    ("RESOURCE", re.compile(r"\b[0-9a-f]{24}\b")),  # Palette uids
    ("PROJECT", re.compile(r"\bCC-\d{3,6}\b")),  # cost centres
)


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


class Redactor:
    """Maps sensitive strings to tokens and back; one instance per document."""

    def __init__(self, terms: Iterable[str] = (), projects: Iterable[str] = ()):
        self.forward: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        for term in sorted({t for t in projects if t and len(t) >= 2}, key=len, reverse=True):
            self._token(term, "PROJECT")
        for term in sorted({t for t in terms if t and len(t) >= 3}, key=len, reverse=True):
            self._token(term, "RESOURCE")

    def _token(self, term: str, kind: str) -> str:
        if term not in self.forward:
            n = self.counts.get(kind, 0)
            self.counts[kind] = n + 1
            self.forward[term] = f"[{kind}_{_letters(n)}]"
        return self.forward[term]

    def mask(self, text: str) -> str:
        """``text`` with every known term and every identifier-shaped string replaced by a token."""
        for term in sorted(self.forward, key=len, reverse=True):
            text = re.sub(rf"(?<![\w-]){re.escape(term)}(?![\w-])", self.forward[term], text)
        for kind, pattern in PATTERNS:
            text = pattern.sub(lambda m, k=kind: self._token(m.group(0), k), text)
        return text

    def unmask(self, text: str) -> str:
        """Tokens back to the original strings (unknown tokens are left as they are)."""
        back = {v: k for k, v in self.forward.items()}
        return TOKEN_RE.sub(lambda m: back.get(m.group(0), m.group(0)), text)

    def unknown_tokens(self, text: str) -> list[str]:
        """Tokens in ``text`` that this redactor never issued (a model inventing names)."""
        issued = set(self.forward.values())
        return [m.group(0) for m in TOKEN_RE.finditer(text) if m.group(0) not in issued]
