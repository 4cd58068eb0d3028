"""One ticket (or message) per finding id: the local map ``actions.tickets`` and the create-or-update sync.

Lookup order on every run: the map, then the remote system's own search (Jira label, ServiceNow
``correlation_id``), then create. A known ticket is updated only when its payload changed, so
re-runs never duplicate and an unchanged finding sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

TICKETS_SCHEMA, TICKETS_TABLE = "actions", "tickets"
DDL = f"""
create table if not exists {TICKETS_SCHEMA}.{TICKETS_TABLE} (
    system varchar not null,
    finding_id varchar not null,
    external_key varchar,
    external_id varchar,
    url varchar,
    payload_sha256 varchar,
    created_at timestamp,
    updated_at timestamp,
    primary key (system, finding_id)
)
"""


@dataclass
class Ticket:
    """Where one finding's ticket lives in one system."""

    system: str
    finding_id: str
    external_key: str
    external_id: str = ""
    url: str = ""
    payload_sha256: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class SyncResult:
    """What a sync did: ``created``, ``updated``, ``unchanged`` (nothing sent) or ``relinked`` (found remotely)."""

    system: str
    finding_id: str
    action: str
    external_key: str
    attempts: int = 0


class TicketTarget(Protocol):
    """A ticketing system: find a ticket by finding id, create one, update one."""

    system: str

    def search(self, finding_id: str) -> Ticket | None: ...

    def create(self, finding_id: str, payload: dict[str, Any]) -> tuple[Ticket, int]: ...

    def update(self, ticket: Ticket, payload: dict[str, Any]) -> int: ...


class TicketMap:
    """The ``actions.tickets`` table of a warehouse (created on first write)."""

    def __init__(self, warehouse: str | Path):
        self.warehouse = str(warehouse)

    def get(self, system: str, finding_id: str) -> Ticket | None:
        if not Path(self.warehouse).exists():
            return None
        with duckdb.connect(self.warehouse, read_only=True) as con:
            exists = con.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [TICKETS_SCHEMA, TICKETS_TABLE],
            ).fetchone()[0]
            if not exists:
                return None
            row = con.execute(
                f"select * from {TICKETS_SCHEMA}.{TICKETS_TABLE} where system = ? and finding_id = ?",
                [system, finding_id],
            ).fetchone()
        return Ticket(*row) if row else None

    def put(self, ticket: Ticket) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        with duckdb.connect(self.warehouse) as con:
            con.execute(f"create schema if not exists {TICKETS_SCHEMA}")
            con.execute(DDL)
            con.execute(
                f"insert or replace into {TICKETS_SCHEMA}.{TICKETS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    ticket.system,
                    ticket.finding_id,
                    ticket.external_key,
                    ticket.external_id,
                    ticket.url,
                    ticket.payload_sha256,
                    ticket.created_at or now,
                    now,
                ],
            )

    def count(self, system: str | None = None) -> int:
        if not Path(self.warehouse).exists():
            return 0
        with duckdb.connect(self.warehouse, read_only=True) as con:
            try:
                sql = f"select count(*) from {TICKETS_SCHEMA}.{TICKETS_TABLE} where ? is null or system = ?"
                return con.execute(sql, [system, system]).fetchone()[0]
            except duckdb.CatalogException:
                return 0


def sync(target: TicketTarget, ticket_map: TicketMap, finding_id: str, payload: dict, digest: str) -> SyncResult:
    """Create the finding's ticket, or update the known one when ``digest`` (the payload hash) changed."""
    known = ticket_map.get(target.system, finding_id)
    relinked = False
    if known is None:
        known = target.search(finding_id)
        relinked = known is not None
    if known is None:
        ticket, attempts = target.create(finding_id, payload)
        ticket.payload_sha256 = digest
        ticket_map.put(ticket)
        return SyncResult(target.system, finding_id, "created", ticket.external_key, attempts)
    if known.payload_sha256 == digest and not relinked:
        return SyncResult(target.system, finding_id, "unchanged", known.external_key, 0)
    attempts = target.update(known, payload)
    known.payload_sha256 = digest
    ticket_map.put(known)
    return SyncResult(target.system, finding_id, "relinked" if relinked else "updated", known.external_key, attempts)
