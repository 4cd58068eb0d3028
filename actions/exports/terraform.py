"""Terraform changes for node-pool recommendations on ``spectrocloud_cluster_*`` resources.

Either a unified diff against a given ``.tf`` file (the resource whose ``name`` is the cluster, its
``machine_pool`` block whose ``name`` is the pool: ``instance_type``, ``count``, ``min``, ``max`` are set,
missing ones added) or a standalone ``machine_pool`` snippet when no file is given. The block also gets a
comment naming the recommendation id. ``dynamic "machine_pool"`` blocks are reported, not rewritten.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ml.findings import Finding

RESOURCE_RE = re.compile(r'^\s*resource\s+"(spectrocloud_cluster_[a-z_]+)"\s+"([^"]+)"\s*\{', re.M)
BLOCK_RE = re.compile(r"^(\s*)machine_pool\s*\{", re.M)
ATTRS = ("instance_type", "count", "min", "max")
MARKER = "# finops.ai/recommendation-id:"


class PatchError(ValueError):
    """The .tf file has no matching resource or pool (or only a dynamic block)."""


@dataclass
class PoolChange:
    """A recommended machine pool shape."""

    recommendation_id: str
    provider: str
    cluster: str
    machine_pool: str
    instance_type: str
    count: int
    min: int
    max: int
    current_instance_type: str = ""
    current_count: int | None = None

    def values(self) -> dict[str, str]:
        quoted = f'"{self.instance_type}"'
        return {"instance_type": quoted, "count": str(self.count), "min": str(self.min), "max": str(self.max)}


def change_from_finding(f: Finding) -> PoolChange:
    """The pool change a ``node_pool_rightsizing`` finding recommends (attributes ``recommended_*``)."""
    if f.kind != "node_pool_rightsizing":
        raise ValueError(f"{f.finding_id} is a {f.kind} finding, not node_pool_rightsizing")
    a = f.attributes
    count = int(_first(a, "recommended_count", "count"))
    return PoolChange(
        recommendation_id=f.finding_id,
        provider=str(a.get("provider", "")),
        cluster=str(a["cluster"]),
        machine_pool=str(a.get("machine_pool") or f.dimension_value),
        instance_type=str(_first(a, "recommended_instance_type", "instance_type")),
        count=count,
        min=int(_first(a, "recommended_min", "min", default=count)),
        max=int(_first(a, "recommended_max", "max", default=max(count, int(a.get("current_max") or count)))),
        current_instance_type=str(a.get("current_instance_type", "")),
        current_count=a.get("current_count"),
    )


def snippet(change: PoolChange) -> str:
    """A standalone ``machine_pool`` block to paste into the cluster resource."""
    v = change.values()
    return (
        f"# {change.cluster}: {change.current_instance_type or '?'} x{change.current_count or '?'} -> "
        f"{change.instance_type} x{change.count}\n"
        "machine_pool {\n"
        f"  {MARKER} {change.recommendation_id}\n"
        f'  name          = "{change.machine_pool}"\n'
        f"  instance_type = {v['instance_type']}\n"
        f"  count         = {v['count']}\n"
        f"  min           = {v['min']}\n"
        f"  max           = {v['max']}\n"
        "}\n"
    )


def patch_text(text: str, change: PoolChange) -> str:
    """``text`` with the cluster's machine pool set to ``change``; :class:`PatchError` if not found."""
    for m in RESOURCE_RE.finditer(text):
        open_at = m.end() - 1
        close_at = _matching_brace(text, open_at)
        body = text[open_at + 1 : close_at]
        if _top_attr(body, "name") != f'"{change.cluster}"':
            continue
        for b in BLOCK_RE.finditer(body):
            b_open = b.end() - 1
            b_close = _matching_brace(body, b_open)
            block = body[b_open + 1 : b_close]
            if _top_attr(block, "name") == f'"{change.machine_pool}"':
                new_block = _rewrite_block(block, change)
                new_body = body[: b_open + 1] + new_block + body[b_close:]
                return text[: open_at + 1] + new_body + text[close_at:]
        if re.search(r'dynamic\s+"machine_pool"', body):
            raise PatchError(f"{m.group(1)}.{m.group(2)} builds machine_pool dynamically: change its variables")
        raise PatchError(f"{m.group(1)}.{m.group(2)} has no machine_pool named {change.machine_pool!r}")
    raise PatchError(f"no spectrocloud_cluster_* resource with name = {change.cluster!r}")


def unified_diff(old: str, new: str, path: str) -> str:
    """A ``git apply``-able unified diff between two versions of ``path``."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    return "".join(lines)


def _rewrite_block(block: str, change: PoolChange) -> str:
    lines = block.split("\n")
    values = change.values()
    seen: set[str] = set()
    out = []
    for line in lines:
        if line.strip().startswith(MARKER):
            continue
        m = re.match(r"^(\s*)([a-z_]+)(\s*=\s*)(.*)$", line)
        if m and m.group(2) in values and _depth_ok(out):
            seen.add(m.group(2))
            line = f"{m.group(1)}{m.group(2)}{m.group(3)}{values[m.group(2)]}"
        out.append(line)
    name_idx = next(i for i, ln in enumerate(out) if re.match(r"^\s*name\s*=", ln))
    name_line = out[name_idx]
    inner = re.match(r"^(\s*)", name_line).group(1)
    width = len(name_line.split("=")[0]) - len(inner) - 1  # keep the block's aligned "="
    missing = [f"{inner}{k.ljust(width)} = {values[k]}" for k in ATTRS if k not in seen]
    out[name_idx + 1 : name_idx + 1] = missing
    out.insert(name_idx, f"{inner}{MARKER} {change.recommendation_id}")
    return "\n".join(out)


def _depth_ok(previous: list[str]) -> bool:
    text = "\n".join(previous)
    return text.count("{") - text.count("}") <= 0


def _top_attr(body: str, key: str) -> str | None:
    depth = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if depth == 0:
            m = re.match(rf"^{key}\s*=\s*(.+?)\s*$", stripped)
            if m:
                return m.group(1)
        depth += _braces(stripped)
    return None


def _braces(line: str) -> int:
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line).split("#")[0].split("//")[0]
    return code.count("{") - code.count("}")


def _matching_brace(text: str, open_at: int) -> int:
    depth, i, in_str = 0, open_at, False
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "#" or text.startswith("//", i):
            i = text.find("\n", i)
            if i < 0:
                break
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise PatchError("unbalanced braces in the .tf file")


def _first(attrs: dict, *keys: str, default: object = None) -> object:
    for k in keys:
        if attrs.get(k) not in (None, ""):
            return attrs[k]
    if default is None:
        raise ValueError(f"finding attributes lack {' / '.join(keys)}")
    return default
