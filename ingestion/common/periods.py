"""Load billing files one whole period at a time (merge/delete-insert on ``_export``, ``_billing_period``).

Two passes over the files. Pass 1 reads every file (batch by batch, nothing kept) to learn which
(export, period) keys it holds and to find unreadable files; those are quarantined and every key they
touch is skipped, so the previously loaded version of that period stays. Pass 2 reads the good files
again and yields only keys that are complete, with ``_delivery_id``, ``_line_number`` and stats added.
Reading twice costs CPU but keeps memory flat whatever the file size.
"""

from __future__ import annotations

import logging
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from finops_core.errors import MissingColumnError

from .arrow_io import conform, delivery_hash, file_digest
from .money import EXACT, ZERO, exact_sum
from .quarantine import quarantine_file
from .stats import LoadStats

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (_export, _billing_period)
#: Readers may add columns named ``__exact__<column>``: the money text as the file wrote it, summed
#: exactly for the stats and never loaded.
EXACT_PREFIX = "__exact__"
#: What makes a file "unparseable" (quarantined) rather than a hard error.
PARSE_ERRORS = (ValueError, pa.ArrowException, OSError, EOFError, zlib.error, KeyError, TypeError)


@dataclass
class FileSpec:
    """One input file. ``delivery_id`` is fixed when the provider names the delivery (Azure runId)."""

    path: str
    delivery_id: str | None = None
    #: keys to skip if this file turns out unreadable; export ``None`` = that period for every export
    hint_keys: set[tuple[str | None, str]] = field(default_factory=set)


ALL: Key = ("*", "*")  # marker: a file of unknown periods was quarantined


def _keys(table: pa.Table) -> set[Key]:
    pairs = table.select(["_export", "_billing_period"]).group_by(["_export", "_billing_period"]).aggregate([])
    return set(zip(pairs["_export"].to_pylist(), pairs["_billing_period"].to_pylist(), strict=True))


def load_whole_periods(
    specs: Sequence[FileSpec],
    read: Callable[[str], Iterator[pa.Table]],
    *,
    source: str,
    core: Mapping[str, str],
    currency_column: str,
    billed_cost: Callable[[pa.Table], pa.Array | list[pa.Array]],
    stats: LoadStats | None = None,
    quarantine_to: str | None = None,
) -> Iterator[pa.Table]:
    """Yield typed tables for every complete (export, period); ``read`` yields typed tables per file.

    A file whose ``read`` raises a missing required column (``MissingColumnError``) or a parse error
    (``ValueError``, Arrow, gzip, JSON errors) is quarantined with the one-line reason and its periods
    skipped; the other files still load. Other ``SourceError``s stop the run.
    ``billed_cost`` gives the array(s) whose exact sum is what the rows bill (see ``EXACT_PREFIX``).
    """
    good: dict[str, set[Key]] = {}
    bad: set[tuple[str | None, str]] = set()
    digests: dict[str, str] = {}
    for spec in specs:
        seen: set[Key] = set()
        try:
            for table in read(spec.path):
                seen |= _keys(table)
            if spec.delivery_id is None:
                digests[spec.path] = file_digest(spec.path)
        except (FileNotFoundError, PermissionError):
            raise
        except (*PARSE_ERRORS, MissingColumnError) as exc:
            periods = {p for _, p in seen | spec.hint_keys}
            reason = str(exc) if isinstance(exc, MissingColumnError) else f"{type(exc).__name__}: {exc}"
            q = quarantine_file(spec.path, reason, quarantine_to, source, periods)
            if stats is not None:
                stats.quarantined.append(q)
            # the file may hold rows of periods not seen before it broke: when its name says nothing
            # either, no period can be trusted to be whole this run (the previous versions stay)
            bad |= (seen | spec.hint_keys) if spec.hint_keys else {ALL}
            continue
        good[spec.path] = seen

    def skipped(key: Key) -> bool:
        return ALL in bad or key in bad or (None, key[1]) in bad

    members: dict[Key, list[str]] = defaultdict(list)
    for path, keys in good.items():
        for key in keys:
            members[key].append(path)
    fixed = {s.path: s.delivery_id for s in specs}
    delivery: dict[Key, str] = {}
    for key, paths in members.items():
        ids = {fixed[p] for p in paths}
        delivery[key] = (
            "+".join(sorted(ids)) if None not in ids else delivery_hash(digests.get(p) or file_digest(p) for p in paths)
        )
    for key in sorted(k for k in members if skipped(k)):
        log.warning("%s: skipped %s %s: a file of this period was quarantined", source, *key)

    for spec in specs:
        if spec.path not in good:
            continue
        offset = 0
        for table in read(spec.path):
            n = table.num_rows
            table = table.append_column("_line_number", pa.array(range(offset + 1, offset + n + 1), pa.int64()))
            offset += n
            for key in sorted(good[spec.path]):
                if skipped(key):
                    continue
                mask = pc.and_(pc.equal(table["_export"], key[0]), pc.equal(table["_billing_period"], key[1]))
                part = table.filter(mask)
                if part.num_rows == 0:
                    continue
                part = part.append_column("_delivery_id", pa.array([delivery[key]] * part.num_rows, pa.string()))
                if stats is not None:
                    _add_stats(stats, part, key[1], currency_column, billed_cost, spec.path)
                hidden = [c for c in part.column_names if c.startswith(EXACT_PREFIX)]
                yield conform(part.drop_columns(hidden), core, not_null=("_export", "_billing_period"))


def _add_stats(
    stats: LoadStats, part: pa.Table, period: str, currency_column: str, billed: Callable, path: str
) -> None:
    """Rows and the exact billed cost per currency and cost type of one (export, period) slice."""
    n = part.num_rows

    def text(column: str) -> pa.Array:
        if column not in part.column_names:
            return pa.array([""] * n, pa.string())
        return pc.fill_null(pc.cast(part[column].combine_chunks(), pa.string()), "")

    # Azure actual and amortized exports of one month are reported apart: only one is the invoice
    currency, kind = text(currency_column), text("_cost_type")
    parts = billed(part)
    parts = parts if isinstance(parts, list) else [parts]
    groups = pa.table({"c": currency, "k": kind}).group_by(["c", "k"]).aggregate([([], "count_all")])
    for cur, typ, rows in zip(
        groups["c"].to_pylist(), groups["k"].to_pylist(), groups["count_all"].to_pylist(), strict=True
    ):
        mask = pc.and_(pc.equal(currency, cur), pc.equal(kind, typ))
        amount = ZERO
        for p in parts:  # Decimal's own "+" would round to 28 digits: EXACT never rounds
            amount = EXACT.add(amount, exact_sum(pc.filter(p, mask)))
        stats.add(period, cur, rows, amount, path, cost_type=typ or None)


#: Whole (export, billing period) slices are replaced on every delivery.
PERIOD_REPLACE = {"disposition": "merge", "strategy": "delete-insert"}
REPLACE_KEY = ["_export", "_billing_period"]


def period_resource(generator: Callable, table_name: str, core: Mapping[str, str]):
    """The dlt resource of a billing source: merge ``delete-insert`` on (``_export``, ``_billing_period``)."""
    import dlt

    from .arrow_io import dlt_columns

    return dlt.resource(
        generator, name=table_name, write_disposition=PERIOD_REPLACE, merge_key=REPLACE_KEY, columns=dlt_columns(core)
    )
