"""File facts for delivery bookkeeping: modification time, content hash, local copy of a remote file."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .files import _fs_and_root, is_remote, local_path, open_file


def modified_at(path: str) -> float:
    """Last modification time (epoch seconds) of a local or remote file; 0 when unknown."""
    fs, root = _fs_and_root(path)
    info = fs.info(root)
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or 0
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value or 0)


def content_hash(paths: Iterable[str], chunk: int = 8 << 20) -> str:
    """Short blake2b digest of the (raw, still compressed) bytes of ``paths`` in sorted order."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        fs, root = _fs_and_root(path)
        digest.update(path.rsplit("/", 1)[-1].encode())
        with fs.open(root, "rb") as fh:
            while block := fh.read(chunk):
                digest.update(block)
    return digest.hexdigest()


def local_copy(path: str, folder: str | Path) -> str:
    """A local path for ``path``: the file itself when local, else a decompressed copy in ``folder``."""
    local = local_path(path)
    if local:
        return local
    name = Path(path.rstrip("/")).name
    target = Path(folder) / (name[:-3] if name.lower().endswith(".gz") else name)
    n = 1
    while target.exists():
        target = target.with_name(f"{n}_{target.name}")
        n += 1
    with open_file(path, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 8 << 20)
    return str(target)


__all__ = ["content_hash", "is_remote", "local_copy", "modified_at"]
