"""A voucher named in a review workbook: the optional `Voucher ID` of an approved row is
linked to its issuance with the review batch, in the same transaction (a conflicting link
refuses the row, `domain.vouchers.review_link_problems`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from ..domain.linking import ReviewLinkRow, review_link_problems, review_links
from ..domain.review import APPROVE, ReviewOutcome
from ..domain.review_checks import ReviewRow
from ..domain.vocabulary import ReviewVerdict
from ..ledger import BatchInfo
from ..ledger.vouchers import ConsoleImport, store_of
from .ports import UnitOfWorkPort

Links = list[tuple[str, str]]


def check_voucher_ids(
    uow: UnitOfWorkPort, rows: Sequence[ReviewRow]
) -> tuple[list[ReviewRow], Callable[[ReviewOutcome], Links]]:
    """The rows, those whose Voucher ID cannot be linked carrying the reason; and how to
    find the links to record once the rows are decided."""
    named = [
        ReviewLinkRow(r.sheet, r.row, r.issuance_id, r.decision == APPROVE, r.voucher_id)
        for r in rows
        if r.voucher_id
    ]
    if not named:
        return list(rows), lambda _outcome: []
    by_issuance = {a.issuance_id: a.voucher_id for a in store_of(uow).approved() if a.voucher_id}
    by_voucher = {v: i for i, v in by_issuance.items()}
    problems = review_link_problems(named, by_issuance, by_voucher)
    checked = [
        replace(r, problems=[*r.problems, problems[r.row]]) if r.row in problems else r
        for r in rows
    ]

    def links(outcome: ReviewOutcome) -> Links:
        approved = (
            d.row
            for d in outcome.decisions
            if d.decision in (ReviewVerdict.APPROVED, ReviewVerdict.UNCHANGED)
        )
        return review_links(named, approved, by_issuance)

    return checked, links


def record_links(uow: UnitOfWorkPort, info: BatchInfo, links: Links) -> None:
    """Append the links in the review batch's transaction."""
    if not links:
        return
    store = store_of(uow)
    entry = ConsoleImport(
        "review",
        info.file_name,
        info.file_sha256,
        info.operator,
        info.business_date,
        {"Linked": len(links)},
    )
    import_id, stamp = store.add_import(entry)
    store.add_links(import_id, stamp, links)
