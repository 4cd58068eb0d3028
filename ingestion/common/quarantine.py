"""Quarantine of bad input: the file is copied aside with a JSON note saying why; nothing is lost.

The original stays where it was (we never delete a provider's delivery); the copy and its reason
live in ``<warehouse dir>/quarantine/<source>/`` so operators can inspect and re-drop it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from .files import open_file
from .stats import Quarantined

log = logging.getLogger(__name__)


def quarantine_file(
    path: str, reason: str, dest_dir: str | Path | None, source: str, billing_periods: Iterable[str] = ()
) -> Quarantined:
    """Copy ``path`` into the quarantine folder with ``<name>.reason.json``; log one line.

    ``billing_periods``: the periods the file belongs to, when known (they are reported as not loaded).
    """
    reason = " ".join(str(reason).split())
    periods = sorted({p for p in billing_periods if p and p != "*"})
    log.warning("quarantined %s: %s", path, reason)
    if dest_dir is None:
        return Quarantined(path=path, reason=reason, source=source, billing_periods=periods)
    digest = hashlib.sha1(path.encode()).hexdigest()[:10]
    target_dir = Path(dest_dir) / source / digest
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / Path(path).name
    try:
        with open_file(path, "rb") if "://" in path else open(path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except OSError as exc:  # the note is still written: the reason must never be lost
        reason = f"{reason} (copy failed: {exc})"
    note = {
        "source": source,
        "path": path,
        "reason": reason,
        "billing_periods": periods,
        "quarantined_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (target_dir / f"{Path(path).name}.reason.json").write_text(json.dumps(note, indent=2))
    return Quarantined(path=path, reason=reason, copied_to=str(target), source=source, billing_periods=periods)
