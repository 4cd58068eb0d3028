"""Find our one-line ``SourceError`` inside the exceptions dlt wraps around a failing resource."""

from __future__ import annotations

from finops_core.errors import SourceError


def source_error(exc: BaseException | None) -> SourceError | None:
    """The first ``SourceError`` behind ``exc`` (dlt's ``PipelineStepFailed`` wraps it in ``.exception``)."""
    todo, seen = [exc], set()
    while todo:
        cur = todo.pop(0)
        if cur is None or id(cur) in seen:
            continue
        if isinstance(cur, SourceError):
            return cur
        seen.add(id(cur))
        inner = getattr(cur, "exception", None)
        todo += [inner if isinstance(inner, BaseException) else None, cur.__cause__, cur.__context__]
    return None
