"""A tiny HCL reader for Terraform files: enough of the syntax to find ``spectrocloud_cluster_*`` resources
and their literal machine pools, without a Terraform binary. Anything it does not evaluate is an ``Expr``."""

from __future__ import annotations

import json
import re
from typing import Any

from actions.estimate.model import EstimateError, Expr

IDENT = re.compile(r'[A-Za-z_][\w-]*|"(?:[^"\\\n]|\\.)*"')


class _Hcl:
    """A tiny HCL reader: blocks (as lists under their type, labels in ``__labels__``), attributes,
    strings, numbers, bools, lists, maps, heredocs and comments; anything else is an :class:`Expr`."""

    def __init__(self, text: str) -> None:
        self.s, self.i = text, 0

    def fail(self, what: str) -> None:
        raise EstimateError(f"line {self.s.count(chr(10), 0, self.i) + 1}: {what}")

    def skip(self, newlines: bool = True) -> None:
        s = self.s
        while self.i < len(s):
            if s[self.i] in " \t\r," or (newlines and s[self.i] == "\n"):
                self.i += 1
            elif s.startswith(("#", "//", "/*"), self.i):
                block = s.startswith("/*", self.i)
                end = s.find("*/" if block else "\n", self.i)
                self.i = len(s) if end < 0 else end + 2 * block
            else:
                return

    def body(self, closing: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while True:
            self.skip()
            if self.i >= len(self.s) or self.s[self.i] == "}":
                if (self.i >= len(self.s)) == closing:
                    self.fail("a block is not closed (missing '}')" if closing else "unexpected '}'")
                self.i += 1
                return out
            m = IDENT.match(self.s, self.i) or self.fail(f"unexpected {self.s[self.i : self.i + 12]!r}")
            key, self.i = m.group(0).strip('"'), m.end()
            self.skip(newlines=False)
            if self.s[self.i : self.i + 1] in ("=", ":"):
                self.i += 1
                out[key] = self.value()
                continue
            labels = []
            while self.s.startswith('"', self.i):
                labels.append(self.value())
                self.skip(newlines=False)
            if not self.s.startswith("{", self.i):
                self.fail(f"expected '=' or '{{' after {key}")
            self.i += 1
            out.setdefault(key, []).append({**self.body(True), "__labels__": labels})

    def value(self) -> Any:
        self.skip(newlines=False)
        s, start = self.s, self.i
        if s.startswith('"', start):
            m = re.compile(r'"((?:[^"\\\n]|\\.)*)"').match(s, start) or self.fail("unterminated string")
            self.i = m.end()
            return Expr(m.group(1)) if "${" in m.group(1) else json.loads(m.group(0))
        if s.startswith("{", start):
            self.i += 1
            return self.body(True)
        if s.startswith("[", start):
            self.i, items = start + 1, []
            while self.skip() or not s.startswith("]", self.i):
                if self.i >= len(s):
                    self.fail("a list is not closed (missing ']')")
                items.append(self.value())
            self.i += 1
            return items
        heredoc = re.compile(r"<<-?(\w+)\n(.*?)\n\s*\1\b", re.S).match(s, start)
        if heredoc:
            self.i = heredoc.end()
            return heredoc.group(2)
        depth, i = 0, start
        while i < len(s) and (depth or (s[i] not in "\n,]}#" and not s.startswith(("//", "/*"), i))):
            if s[i] == '"':
                i = s.find('"', i + 1) if '"' in s[i + 1 :] else len(s)
            depth += (s[i] in "([{") - (s[i] in ")]}") if i < len(s) else 0
            i += 1
        self.i, word = i, s[start:i].strip()
        if not word:
            self.fail("missing value")
        if re.fullmatch(r"-?\d+(\.\d+)?", word):
            return float(word) if "." in word else int(word)
        return {"true": True, "false": False, "null": None}.get(word, Expr(word))


def parse_hcl(text: str) -> dict[str, Any]:
    """The top-level body of an HCL file; a syntax error raises :class:`EstimateError` naming the line."""
    return _Hcl(text).body(closing=False)
