"""`review export`: the pending issuances (or the named ones) written to a review workbook,
each row with its keyed row check, and a manifest signed with the ledger's key naming the
rows of this export, so `review import` can tell the workbook came from this ledger.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..calendars import business_calendar
from ..domain.issuance import Issuance
from ..domain.row_check import row_check, sign
from ..workbook.review_book import ReviewExport, write_review_export
from .context import Context, prepare_outputs
from .names import REVIEW_EXPORT, check_names_fit, counted, write_new
from .ports import UnitOfWorkPort
from .progress import NO_PROGRESS, Progress

SECRET_KEY, LEDGER_ID_KEY = "review_secret", "ledger_id"
ISSUANCE_KEY = "issuance"  # manifest rows listing the exported issuances


def ledger_secret(uow: UnitOfWorkPort, create: bool) -> tuple[bytes | None, str | None]:
    secret = uow.meta_value(SECRET_KEY, (lambda: secrets.token_hex(32)) if create else None)
    ledger_id = uow.meta_value(LEDGER_ID_KEY, (lambda: uuid.uuid4().hex) if create else None)
    return (bytes.fromhex(secret) if secret else None), ledger_id


def manifest_text(export_id: str, ledger_id: str, generated: str, ids: Sequence[str]) -> str:
    """What an export's manifest signature covers."""
    return "|".join([export_id, ledger_id, generated, ",".join(ids)])


@dataclass(frozen=True)
class ExportResult:
    path: Path
    export_id: str
    rows: int
    overdue: int


def review_export(
    ctx: Context, out_dir: Path, calendar: str | None = None, progress: Progress = NO_PROGRESS
) -> ExportResult:
    """Write review-<as-of>.xlsx with every pending issuance."""
    out_dir = prepare_outputs(ctx, out_dir)
    check_names_fit(
        out_dir,
        [f"review-{ctx.business_date.isoformat()}-EXP-00000000-000000-99.xlsx"],
        "choose another --out-dir",
    )
    progress.phase("collecting pending issuances")
    with ctx.ledger.unit_of_work(write=True) as uow:
        secret, ledger_id = ledger_secret(uow, create=True)
        pending = list(uow.issuances_under_review(None).values())
        names = {uin: c.name for uin, c in uow.customers().items()}
        uow.commit()  # keeps the secret and ledger id made on the first export
    assert secret is not None and ledger_id is not None
    first = min((i.requested_on.year for i in pending), default=ctx.business_date.year)
    cal = business_calendar(calendar, range(first, ctx.business_date.year + 1))
    generated = datetime.now(UTC).replace(microsecond=0)
    export_id = f"EXP-{ctx.business_date:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
    as_of = ctx.business_date
    # business days counted once per request date: many pending requests share a date
    days = {d: cal.days_between(d, as_of) for d in {i.requested_on for i in pending}}
    late = {d: cal.overdue(d, as_of) for d in days}
    rows = [_export_row(i, names, days[i.requested_on], secret) for i in pending]
    overdue = [late[i.requested_on] for i in pending]
    ids = [i.issuance_id for i in pending]
    progress.phase("writing the review workbook", len(rows))
    export = ReviewExport(
        export_id=export_id,
        generated_at=generated,
        as_of=ctx.business_date,
        operator=ctx.operator,
        calendar=cal.name,
        rows=rows,
        overdue=overdue,
        manifest=_manifest(ctx, export_id, ledger_id, generated, ids, secret),
    )
    # a review workbook may already be in a reviewer's hands: never written over; a taken
    # name gives way to one with the export ID
    base = f"review-{ctx.business_date.isoformat()}"
    path = write_new(
        out_dir,
        (f"{base}{tag}.xlsx" for tag in counted("", f"-{export_id}")),
        REVIEW_EXPORT,
        lambda target: write_review_export(target, export),
    )
    progress.advance(len(rows))
    return ExportResult(path=path, export_id=export_id, rows=len(rows), overdue=sum(overdue))


def _export_row(i: Issuance, names: dict[str, str], waiting: int, secret: bytes) -> list[object]:
    """One pending issuance as a row of the review sheet (REVIEW column order); the
    reviewer's columns are empty."""
    return [
        i.issuance_id,
        i.request_id,
        i.template.name,
        i.customer_uin,
        names.get(i.customer_uin, ""),
        i.amount,
        i.estimated_revenue,
        i.estimated_conversion_date,
        i.reason,
        i.requested_by,
        i.requested_on,
        waiting,
        None,  # Decision
        None,  # Review Comment
        None,  # Reviewer
        None,  # Decision Date
        None,  # Voucher ID
        row_check(secret, i),
    ]


def _manifest(
    ctx: Context,
    export_id: str,
    ledger_id: str,
    generated: datetime,
    ids: Sequence[str],
    secret: bytes,
) -> list[tuple[str, str]]:
    """The export's manifest rows, signed so that an import can tell it is this ledger's
    export and that its list of issuances was not altered."""
    stamp = generated.isoformat()
    return [
        ("export_id", export_id),
        ("ledger_id", ledger_id),
        ("generated_at", stamp),
        ("as_of", ctx.business_date.isoformat()),
        ("operator", ctx.operator),
        ("rows", str(len(ids))),
        ("signature", sign(secret, manifest_text(export_id, ledger_id, stamp, ids))),
        # one row per issuance: a cell holds at most 32,767 characters
        *((ISSUANCE_KEY, i) for i in ids),
    ]
