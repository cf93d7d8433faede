"""Linking issuances to console vouchers (pure): by customer UIN, amount and validity, by the
issuance a row names, or by the review workbook's optional Voucher ID. A link is recorded
once: one voucher per issuance, one issuance per voucher."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .identity import unsafe_character
from .problems import Code, Problem
from .vouchers import Approved, ConsoleVoucher, LinkDecision, RowDecision, refuse, validity_problem

# ---- link -----------------------------------------------------------------------------------


@dataclass
class LinkOutcome:
    decisions: list[RowDecision]
    new_links: list[tuple[str, str]]  # (issuance_id, voucher_id)


def _matches(v: ConsoleVoucher, a: Approved) -> bool:
    return (
        a.customer_uin == v.customer_uin
        and a.amount == v.total
        and a.valid_from == v.effective_on
        and a.valid_until == v.expires_on
    )


def decide_links(
    sheet: str, rows: Sequence[ConsoleVoucher], approved: Sequence[Approved]
) -> LinkOutcome:
    """Link each voucher to one approved issuance; rows in sheet order (R8)."""
    by_issuance = {a.issuance_id: a for a in approved}
    linked_to = {a.voucher_id: a.issuance_id for a in approved if a.voucher_id}
    out = LinkOutcome([], [])
    for v in rows:
        decision = validity_problem(sheet, v) or _link_one(sheet, v, by_issuance, linked_to)
        if decision.decision == LinkDecision.LINKED:
            assert decision.issuance_id is not None
            linked_to[v.voucher_id] = decision.issuance_id
            a = by_issuance[decision.issuance_id]
            by_issuance[a.issuance_id] = Approved(
                a.issuance_id, a.customer_uin, a.amount, a.valid_from, a.valid_until, v.voucher_id
            )
            out.new_links.append((decision.issuance_id, v.voucher_id))
        out.decisions.append(decision)
    return out


# long on purpose: one voucher's link decision, each outcome a short branch in rule order
def _link_one(
    sheet: str, v: ConsoleVoucher, by_issuance: Mapping[str, Approved], linked_to: Mapping[str, str]
) -> RowDecision:
    current = linked_to.get(v.voucher_id)
    if v.issuance_id is not None:
        named = by_issuance.get(v.issuance_id)
        if named is None:
            return refuse(
                sheet,
                v.row,
                "Issuance ID",
                v.issuance_id,
                Code.UNKNOWN_ISSUANCE,
                f"{v.issuance_id} is not an approved issuance of this ledger",
            )
        if current == named.issuance_id:
            return RowDecision(v.row, LinkDecision.UNCHANGED, issuance_id=current)
        if current is not None:
            return _conflict_voucher(sheet, v, current)
        if named.voucher_id is not None:
            return refuse(
                sheet,
                v.row,
                "Voucher ID",
                v.voucher_id,
                Code.LINK_CONFLICT,
                f"{named.issuance_id} is already linked to voucher {named.voucher_id}; a link "
                "is recorded once",
            )
        return RowDecision(v.row, LinkDecision.LINKED, issuance_id=named.issuance_id)
    if current is not None:
        return RowDecision(v.row, LinkDecision.UNCHANGED, issuance_id=current)
    candidates = sorted(
        a.issuance_id for a in by_issuance.values() if a.voucher_id is None and _matches(v, a)
    )
    if len(candidates) > 1:
        return refuse(
            sheet,
            v.row,
            "Voucher ID",
            v.voucher_id,
            Code.AMBIGUOUS_MATCH,
            f"voucher {v.voucher_id} matches {len(candidates)} approved issuances "
            f"({', '.join(candidates)}) by customer, amount and validity; name one in an "
            "Issuance ID column",
        )
    if not candidates:
        return RowDecision(
            v.row,
            LinkDecision.NO_MATCH,
            flags=["no approved, unlinked issuance has this customer, amount and validity"],
        )
    return RowDecision(v.row, LinkDecision.LINKED, issuance_id=candidates[0])


def _conflict_voucher(sheet: str, v: ConsoleVoucher, current: str) -> RowDecision:
    return refuse(
        sheet,
        v.row,
        "Voucher ID",
        v.voucher_id,
        Code.LINK_CONFLICT,
        f"voucher {v.voucher_id} is already linked to {current}; a link is recorded once",
    )


# ---- a voucher named in the review workbook ---------------------------------------------------


@dataclass(frozen=True)
class ReviewLinkRow:
    """What a Review row says of its voucher."""

    sheet: str
    row: int
    issuance_id: str | None
    approve: bool  # the row's Decision is Approve
    voucher_id: str | None


def review_link_problems(
    rows: Sequence[ReviewLinkRow],
    linked_voucher: Mapping[str, str],  # issuance id -> its linked voucher
    linked_issuance: Mapping[str, str],  # voucher id -> its linked issuance
) -> dict[int, Problem]:
    """Excel row -> why its Voucher ID cannot be linked (the row is then refused): only an
    approved row names a voucher, and a link is recorded once (one voucher per issuance, one
    issuance per voucher, in the ledger and in the file)."""
    found: dict[int, Problem] = {}
    taken: dict[str, str] = {}
    for r in rows:
        vid, iid = r.voucher_id, r.issuance_id
        if not vid or not iid:
            continue
        text = None
        code = Code.LINK_CONFLICT
        if not r.approve:
            text, code = (
                "a Voucher ID is given only with the Decision Approve",
                Code.NOT_ALLOWED_VALUE,
            )
        elif len(vid) > 64:
            text, code = "the Voucher ID must be 1-64 characters", Code.TOO_LONG
        elif (unsafe := unsafe_character(vid)) is not None:
            text, code = (
                f"the Voucher ID contains the control or bidirectional character {unsafe}; "
                "identifiers must be plain text (R15)",
                Code.UNSAFE_CHARACTER,
            )
        elif linked_issuance.get(vid, iid) != iid:
            text = f"voucher {vid} is already linked to {linked_issuance[vid]}; a link is made once"
        elif linked_voucher.get(iid, vid) != vid:
            text = (
                f"{iid} is already linked to voucher {linked_voucher[iid]}; a link is recorded once"
            )
        elif taken.get(vid, iid) != iid:
            text = f"voucher {vid} is also named for {taken[vid]} in this sheet"
        if text is not None:
            rule = "" if code == Code.UNSAFE_CHARACTER else " (R10)"
            found[r.row] = Problem(r.sheet, r.row, "Voucher ID", vid, code, f"{text}{rule}")
        else:
            taken[vid] = iid
    return found


def review_links(
    rows: Sequence[ReviewLinkRow], approved_rows: Iterable[int], linked_voucher: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(issuance id, voucher id) to record for the approved rows that name a new voucher."""
    approved = set(approved_rows)
    return [
        (r.issuance_id, r.voucher_id)
        for r in rows
        if r.row in approved
        and r.voucher_id
        and r.issuance_id
        and r.issuance_id not in linked_voucher
    ]
