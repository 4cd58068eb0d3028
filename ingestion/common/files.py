"""Find and open billing files on local disk or object storage (``s3://`` through fsspec/boto3 credentials).

S3 credentials come from the file source's dlt configuration when it sets them
(``finops_core.config.storage_options``: ``[sources.<source>]`` in ``.dlt/secrets.toml``), else from the
usual AWS chain (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``, instance roles); ``endpoint_url`` there or
``AWS_ENDPOINT_URL`` points at an S3-compatible endpoint (MinIO, a local emulator).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import fsspec

from finops_core.config import storage_options
from finops_core.errors import EmptyInputError, SourceError


def _fs_and_root(path: str) -> tuple[fsspec.AbstractFileSystem, str]:
    if "://" in path:
        protocol = path.split("://", 1)[0]
        opts: dict = {}
        if protocol in ("s3", "s3a"):
            opts = storage_options(path)
            endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
            if endpoint and "client_kwargs" not in opts:
                opts["client_kwargs"] = {"endpoint_url": endpoint}
            protocol = "s3"
        fs = fsspec.filesystem(protocol, **opts)
        return fs, path
    # absolute, but symlinks kept: lineage shows the path the user gave
    return fsspec.filesystem("file"), os.path.abspath(os.path.expanduser(path))


def is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def list_files(paths: str | Sequence[str], patterns: Iterable[str]) -> list[str]:
    """All files under ``paths`` (files or folders, searched recursively) whose name matches a pattern.

    Returns sorted, de-duplicated paths (``s3://`` paths keep their scheme). Raises ``EmptyInputError``
    naming the folder when nothing matches, and ``SourceError`` when a path does not exist.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [str(paths)]
    pats = [p.lower() for p in patterns]
    found: set[str] = set()
    for raw in paths:
        raw = str(raw)
        fs, root = _fs_and_root(raw)
        if not fs.exists(root):
            raise SourceError("path does not exist", path=raw)
        scheme = raw.split("://", 1)[0] + "://" if is_remote(raw) else ""
        if fs.isdir(root):
            candidates = [p for p in fs.find(root) if not fs.isdir(p)]
            matched = [p for p in candidates if any(fnmatch.fnmatch(Path(p).name.lower(), pt) for pt in pats)]
            if not matched:
                raise EmptyInputError(f"no files matching {', '.join(pats)} found in this folder", path=raw)
        else:
            matched = [root]
        for p in matched:
            found.add(p if not scheme or p.startswith(scheme) else scheme + p)
    return sorted(found)


def open_file(path: str, mode: str = "rb") -> IO:
    """Open a local or remote file; ``.gz`` files are decompressed transparently."""
    fs, root = _fs_and_root(path)
    return fs.open(root, mode, compression="infer")


def read_text(path: str, encoding: str = "utf-8-sig") -> str:
    with open_file(path, "rb") as fh:
        return fh.read().decode(encoding)


def local_path(path: str) -> str | None:
    """Local filesystem path for a local file, ``None`` for remote ones."""
    return None if is_remote(path) else os.path.abspath(os.path.expanduser(path.removeprefix("file://")))


BILLING_PATTERNS = ("*.parquet", "*.csv", "*.csv.gz", "*.json", "*.ndjson", "*.jsonl", "*.json.gz", "*.gz")


def snapshot(paths: str | Sequence[str], patterns: Iterable[str] = BILLING_PATTERNS) -> dict[str, str]:
    """``{path: "<size>:<modified>"}`` for every matching file: a cheap fingerprint for sensors."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [str(paths)]
    out: dict[str, str] = {}
    for path in list_files(paths, patterns):
        fs, root = _fs_and_root(path)
        info = fs.info(root)
        modified = info.get("mtime") or info.get("LastModified") or info.get("ETag") or ""
        out[path] = f"{info.get('size')}:{modified}"
    return out
