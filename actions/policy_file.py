"""Reading policy YAML: documents with the line of every key, merged in layers, validated with errors that
name the file, the line and the key at fault.

A user's policy file is a layer over the packaged ``actions/policy.yaml``: mappings merge key by key, lists
and scalars replace (a list given is the whole list). Kept apart from ``actions/policy.py`` so that module
holds only the policy's schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

T = TypeVar("T")


class PolicyError(ValueError):
    """An invalid policy file; the message is one line: ``<file>:<line>: <key>: <problem>``."""


@dataclass(frozen=True)
class PolicyDoc:
    """One policy file: its name, text, data and the 1-based line of every key path."""

    source: str
    text: str
    data: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict)


def _line_map(node: yaml.Node, prefix: tuple = ()) -> dict[tuple, int]:
    """Map each key path in the YAML document to its 1-based line."""
    lines: dict[tuple, int] = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, key.value)
            lines.update(_line_map(value, path))
            lines[path] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_map(item, (*prefix, i)))
    return lines


def read_doc(text: str, source: str) -> PolicyDoc:
    """Parse one policy file; an empty file is an empty layer, anything but a mapping fails."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise PolicyError(f"{source}:{line}: not valid YAML: {exc.problem or exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: the policy must be a mapping of sections, not {type(data).__name__}")
    return PolicyDoc(source, text, data, _line_map(node) if node is not None else {})


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: mappings merge recursively, everything else (lists too) replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def digest(docs: list[PolicyDoc]) -> str:
    """Policy version: sha256 (12 hex digits) of the layers' texts, in order."""
    h = hashlib.sha256()
    for doc in docs:
        h.update(doc.text.encode())
    return h.hexdigest()[:12]


def _depth(loc: tuple, lines: dict[tuple, int]) -> int:
    """Length of the longest prefix of ``loc`` that is a key path of the document (-1: none)."""
    return next((n for n in range(len(loc), -1, -1) if tuple(loc[:n]) in lines), -1)


def _where(loc: tuple, docs: list[PolicyDoc]) -> tuple[str, int]:
    """File and line to blame for an error at ``loc``: the layer that spells most of the key path (the
    top layer on a tie, since it wins the merge)."""
    best = max(reversed(docs), key=lambda d: _depth(loc, d.lines))
    depth = _depth(loc, best.lines)
    return best.source, best.lines[tuple(loc[:depth])] if depth >= 0 else 1


def validate(build: Callable[[dict[str, Any]], T], docs: list[PolicyDoc]) -> T:
    """Merge the layers bottom to top and validate them with ``build`` (a pydantic ``model_validate``)."""
    data: dict[str, Any] = {}
    for doc in docs:
        data = merge(data, doc.data)
    try:
        return build(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        source, line = _where(loc, docs)
        key = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"].replace("\n", " ")
        raise PolicyError(f"{source}:{line}: {key}: {msg}") from None
