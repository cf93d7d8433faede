"""Build sample_sheets/console-vouchers.xlsx and console-usage.xlsx: what the partner console
would export for the demo ledger after its review.

Run with `make samples` (after partner-ops-batch.xlsx). The demo's steps up to the review are
replayed on a throw-away ledger, with the demo's dates, operator and reviewer, so the exports
fit the vouchers the demo approves. The data is deterministic: per approved issuance, in
order, a voucher used up, half used, untouched, invalidated unused, partly used (its deals
fall 100 short of what the console shows) or untouched; plus one voucher issued outside the
ledger. Where customer, amount and validity alone match several approved issuances, ops
filled the optional `Issuance ID` column (the console does not export it). The usage export
repeats one deal (recorded once). Both use the console's field names, statuses as API codes
and times as text.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from voucher_batch.ledger import Ledger
from voucher_batch.services import Context, ingest
from voucher_batch.services.demo import DEMO_DATE, DEMO_QUOTA, sample_workbook, scripted_review
from voucher_batch.services.queries import vouchers_list
from voucher_batch.services.quota import QuotaChangeKind, quota_change
from voucher_batch.services.review import review_export, review_import

HERE = Path(__file__).resolve().parent
VOUCHERS_OUT, USAGE_OUT = HERE / "console-vouchers.xlsx", HERE / "console-usage.xlsx"
OPERATOR = "ops.lead"
VOUCHER_HEADERS = [
    "VoucherId", "CustomerUin", "VoucherStatus", "TotalAmount", "RemainingAmount",
    "EffectiveTime", "ExpireTime", "Usage", "PaymentMode", "ProductScope", "ApplyReason",
    "Issuance ID",
]  # fmt: skip
USAGE_HEADERS = [
    "VoucherId", "DealName", "BillId", "Amount", "PayMode", "ProductCode", "ProductCodeName",
    "PayTime", "OwnerUin",
]  # fmt: skip
PRODUCTS = [("cvm", "Cloud Virtual Machine"), ("cos", "Cloud Object Storage"), ("cdb", "TencentDB")]


def _approved(folder: Path) -> list[tuple[str, str, int, date, date]]:
    """The demo's approved vouchers: (issuance, customer, amount, valid from, valid until)."""
    ledger = Ledger(str(folder / "ledger.sqlite3"))
    try:
        ctx = Context(ledger, OPERATOR, DEMO_DATE)
        ledger.init()
        quota_change(ctx, QuotaChangeKind.GRANT, DEMO_QUOTA, "sales.rep", "QUOTA-2026-11", "demo")
        ingest(ctx, sample_workbook(), folder / "reports")
        day = Context(ledger, OPERATOR, DEMO_DATE + timedelta(days=3))
        exported = review_export(day, folder / "reports")
        filled = scripted_review(exported.path, folder / "filled.xlsx")
        review_import(day, filled, folder / "reports", reviewer="reviewer.one")
        rows = vouchers_list(ctx, status="approved")
    finally:
        ledger.dispose()
    out = []
    for r in rows:
        assert r.valid_from is not None and r.valid_until is not None
        out.append((r.issuance_id, r.customer_uin, r.amount, r.valid_from, r.valid_until))
    return out


def build() -> tuple[Path, Path]:
    with tempfile.TemporaryDirectory() as tmp:
        approved = _approved(Path(tmp))
    vouchers = Workbook()
    vs = vouchers.active
    assert vs is not None
    vs.title = "Vouchers"
    vs.append(VOUCHER_HEADERS)
    usage = Workbook()
    us = usage.active
    assert us is not None
    us.title = "Usage"
    us.append(USAGE_HEADERS)
    bill = 0
    alike: dict[tuple[str, int, date, date], int] = {}
    for _iid, *match in approved:
        alike[tuple(match)] = alike.get(tuple(match), 0) + 1  # type: ignore[index]
    for n, (iid, uin, amount, start, until) in enumerate(approved):
        vid = f"cvd-{n + 1:06d}"
        kind = n % 6
        status = {0: "Used", 3: "Invalidated"}.get(kind, "Issued")
        used = {0: amount, 1: amount // 2, 4: amount // 4}.get(kind, 0)
        vs.append(
            [vid, uin, status, amount, amount - used, f"{start} 00:00:00", f"{until} 23:59:59",
             "ProductTrial", "AllPayment", "AllProducts", "issued through the partner console",
             # added by ops where customer, amount and validity match several issuances
             iid if alike[(uin, amount, start, until)] > 1 else None]
        )  # fmt: skip
        deals = used - 100 if kind == 4 else used
        parts = [deals - deals // 3, deals // 3] if deals else []
        for k, part in enumerate(p for p in parts if p):
            bill += 1
            code, name = PRODUCTS[(n + k) % len(PRODUCTS)]
            row = [vid, f"{name} purchase", f"BILL-2026{bill:06d}", part, "prepaid", code, name,
                   f"{start + timedelta(days=2 + k)} 10:{k:02d}:00", uin]  # fmt: skip
            us.append(row)
            if bill == 1:
                us.append(row)  # the console listed this deal twice: recorded once
    vs.append(
        ["cvd-900001", "100099990000", "Issued", 500, 500, "2026-11-01 00:00:00",
         "2026-12-31 23:59:59", "CustomerOffer", "Prepaid", "AllProducts", "another partner"]
    )  # fmt: skip
    for ws in (vs, us):
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 20
    vouchers.save(VOUCHERS_OUT)
    usage.save(USAGE_OUT)
    return VOUCHERS_OUT, USAGE_OUT


if __name__ == "__main__":
    for path in build():
        print(path)
