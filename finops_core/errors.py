"""Errors that users read: one line naming the file, column or field at fault."""

from __future__ import annotations


class SourceError(Exception):
    """Bad input. ``str(err)`` is a single line fit for a terminal or the Dagster UI."""

    def __init__(self, message: str, *, path: str | None = None, column: str | None = None):
        self.path = path
        self.column = column
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{message}".replace("\n", " "))


class MissingColumnError(SourceError):
    def __init__(self, path: str, column: str, hint: str = ""):
        super().__init__(f"missing required column '{column}'{hint}", path=path, column=column)


class EmptyInputError(SourceError):
    """A folder or file with nothing to load."""


class AuthenticationError(SourceError):
    """An API rejected the credentials (the credentials themselves are never part of the message)."""


def one_line(exc: BaseException) -> str:
    """``exc`` as one printable line: a SourceError's own message, else its type and message, with any
    credentials written into a URL (``scheme://user:key@host``) left out."""
    from finops_core.config import redact_url

    text = redact_url(" ".join(str(exc).split()))
    return text if isinstance(exc, SourceError) else f"{type(exc).__name__}: {text}"
