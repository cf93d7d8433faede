"""The after-approval rules (domain.vouchers, domain.follow_up) on plain values."""

from __future__ import annotations

from datetime import date

from voucher_batch.domain.console_sync import (
    decide_sync,
    decide_usage,
    snapshot_of,
    usage_checks,
)
from voucher_batch.domain.follow_up import VoucherFact, follow_up
from voucher_batch.domain.linking import (
    ReviewLinkRow,
    decide_links,
    review_link_problems,
)
from voucher_batch.domain.problems import Code
from voucher_batch.domain.vouchers import (
    Approved,
    ConsoleVoucher,
    Deal,
    Snapshot,
    VoucherStatus,
)

D1, D2 = date(2026, 11, 2), date(2026, 12, 1)


def voucher(
    vid: str,
    status: str = "Issued",
    total: int = 1000,
    remaining: int = 1000,
    uin: str = "100012340001",
    row: int = 2,
    issuance: str | None = None,
) -> ConsoleVoucher:
    return ConsoleVoucher(row, vid, uin, VoucherStatus(status), total, remaining, D1, D2, issuance)


def approved(iid: str, vid: str | None = None, uin: str = "100012340001") -> Approved:
    return Approved(iid, uin, 1000, D1, D2, vid)


def test_a_link_needs_exactly_one_match_and_is_made_once() -> None:
    out = decide_links("Vouchers", [voucher("V-1")], [approved("ISS-1"), approved("ISS-2")])
    [d] = out.decisions
    assert d.refused and d.problems[0].code is Code.AMBIGUOUS_MATCH and not out.new_links
    out = decide_links(
        "Vouchers",
        [voucher("V-1", row=2), voucher("V-2", row=3), voucher("V-3", row=4)],
        [approved("ISS-1"), approved("ISS-2", uin="100012340002")],
    )
    assert [d.decision for d in out.decisions] == ["Linked", "No match", "No match"]
    assert out.new_links == [("ISS-1", "V-1")]


def test_a_conflicting_second_link_is_refused() -> None:
    pool = [approved("ISS-1", "V-1"), approved("ISS-2")]
    rows = [
        voucher("V-1", issuance="ISS-1", row=2),  # the same link: unchanged
        voucher("V-9", issuance="ISS-1", row=3),  # another voucher for ISS-1
        voucher("V-1", issuance="ISS-2", row=4),  # V-1 is ISS-1's
        voucher("V-2", issuance="ISS-404", row=5),
    ]
    out = decide_links("Vouchers", rows, pool)
    assert [d.decision for d in out.decisions] == ["Unchanged", "Refused", "Refused", "Refused"]
    assert [d.problems[0].code for d in out.decisions[1:]] == [
        Code.LINK_CONFLICT, Code.LINK_CONFLICT, Code.UNKNOWN_ISSUANCE,
    ]  # fmt: skip


def test_status_only_moves_forward_and_differences_are_flagged() -> None:
    last = {"V-1": snapshot_of(voucher("V-1", "Used", remaining=0))}
    linked = {"V-2": approved("ISS-2", "V-2")}
    rows = [
        voucher("V-1", "Issued", row=2),  # back from Used
        voucher("V-1", "Expired", remaining=0, row=3),  # duplicate in the file
        voucher("V-2", total=1200, remaining=1200, row=4),
        voucher("V-3", row=5),
        voucher("V-4", remaining=1001, row=6),
    ]
    out = decide_sync("Vouchers", rows, last, linked)
    assert [d.decision for d in out.decisions] == [
        "Refused", "Refused", "Updated", "Unknown voucher", "Refused",
    ]  # fmt: skip
    assert out.decisions[0].problems[0].code is Code.STATUS_BACKWARDS
    assert "amount 1,200, the ledger has 1,000" in out.decisions[2].flags[0]
    assert [s.voucher_id for s in out.new_snapshots] == ["V-2", "V-3"]
    again = decide_sync("Vouchers", rows[2:4], {s.voucher_id: s for s in out.new_snapshots}, linked)
    assert [d.decision for d in again.decisions] == ["Unchanged", "Unchanged"]
    assert not again.new_snapshots
    final = {"V-1": Snapshot("V-1", "1", VoucherStatus.EXPIRED, 1, 1, D1, D2)}
    [d] = decide_sync("Vouchers", [voucher("V-1", "Invalidated", 1, 1)], final, {}).decisions
    assert d.refused  # Expired is final


def deal(bill: str, amount: int, vid: str = "V-1", row: int = 2) -> Deal:
    return Deal(row, vid, bill, "", amount, "", "", "", None, "100012340001")


def test_a_deal_is_recorded_once_and_a_changed_amount_refused() -> None:
    out = decide_usage(
        "Usage",
        [
            deal("B-1", 300, row=2),
            deal("B-1", 300, row=3),
            deal("B-2", 5, row=4),
            deal("B-2", 6, row=5),
        ],
        {("V-1", "B-2"): 5},
        ["V-1"],
    )
    assert [d.decision for d in out.decisions] == ["Recorded", "Unchanged", "Unchanged", "Refused"]
    assert [(d.bill_id, d.amount) for d in out.new_deals] == [("B-1", 300)]
    snap = snapshot_of(voucher("V-1", remaining=700))
    [check] = usage_checks({"V-1": 300}, {"V-1": snap}, ["V-1"])
    assert check.matches and check.console_used == 300
    [check] = usage_checks({"V-1": 200}, {"V-1": snap}, ["V-1"])
    assert not check.matches


def test_review_voucher_ids() -> None:
    rows = [
        ReviewLinkRow("Review", 5, "ISS-1", True, "V-1"),
        ReviewLinkRow("Review", 6, "ISS-2", False, "V-2"),
        ReviewLinkRow("Review", 7, "ISS-3", True, "V-1"),
        ReviewLinkRow("Review", 8, "ISS-4", True, "V-4"),
    ]
    problems = review_link_problems(rows, {"ISS-4": "V-8"}, {"V-8": "ISS-4"})
    assert sorted(problems) == [6, 7, 8]


def fact(
    iid: str,
    amount: int,
    used: int | None,
    status: str | None,
    expires: date,
    revenue: int = 0,
    converts: date = date(2027, 1, 1),
    template: str = "T",
) -> VoucherFact:
    return VoucherFact(
        iid, template, "Product trial", "1" * 12, "", amount, revenue, converts, D1, expires,
        None if status is None else f"V-{iid}", status,
        None if used is None else amount, None if used is None else amount - used,
        expires if status else None, 0,
    )  # fmt: skip


def test_follow_up_figures() -> None:
    cutoff = date(2026, 11, 20)
    facts = [
        fact("A", 1000, 500, "Issued", date(2026, 12, 1), 9000, date(2026, 11, 1)),
        fact("B", 1000, 0, "Expired", date(2026, 11, 15), 1000, date(2026, 11, 2)),
        fact("C", 2000, 2000, "Used", date(2026, 12, 1), template="U"),
        fact("D", 400, None, None, date(2027, 2, 1), 7000, date(2026, 11, 19)),
    ]
    fu = follow_up(facts, cutoff)
    assert (fu.approved, fu.used) == (4400, 2500)
    assert {u.key: (u.approved, u.used) for u in fu.by_template} == {
        "T": (2400, 500), "U": (2000, 2000),
    }  # fmt: skip
    by_window = {e.within_days: e for e in fu.expiring}
    assert by_window[30].amount == 500 and by_window[90].amount == 900
    assert [f.issuance_id for f in fu.expired_unused] == ["B"]
    # unused first, then the larger estimated revenue
    assert [f.issuance_id for f in fu.conversion] == ["D", "B", "A"]


def test_a_voucher_expiring_before_it_takes_effect_is_refused() -> None:
    v = ConsoleVoucher(2, "V-1", "100012340001", VoucherStatus.ISSUED, 10, 10, D2, D1)
    [d] = decide_sync("Vouchers", [v], {}, {}).decisions
    assert d.refused and d.problems[0].code is Code.VALIDITY_ORDER
    [d] = decide_links("Vouchers", [v], [approved("ISS-1")]).decisions
    assert d.refused and d.problems[0].code is Code.VALIDITY_ORDER
