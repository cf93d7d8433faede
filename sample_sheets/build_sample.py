"""Build sample_sheets/partner-ops-batch.xlsx: a realistic partner-ops workbook.

Run with `make samples`. The data is deterministic. It holds 24 customers, 7 templates and
64 requests, including rows the tool must refuse: an unknown UIN, an unbound customer, an
ambiguous date, a date in the past, a fractional revenue, an unknown template, a missing
reason, a template name that is too long, an unsupported cost bearer, and requests beyond
the demo quota (first fit: later smaller requests still fit).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

OUT = Path(__file__).resolve().parent / "partner-ops-batch.xlsx"

COMPANIES = [
    "Alpha Analytics",
    "Beacon Retail",
    "Cobalt Games",
    "Delta Logistics",
    "Ember Health",
    "Fjord Media",
    "Granite Finance",
    "Harbor Foods",
    "Indigo Travel",
    "Juniper Schools",
    "Kestrel Robotics",
    "Lumen Energy",
    "Maple Insurance",
    "Nimbus Studio",
    "Orchid Fashion",
    "Pioneer Mining",
    "Quartz Security",
    "Redwood Legal",
    "Summit Sports",
    "Tidal Shipping",
    "Umber Motors",
    "Vertex Pharma",
    "Willow Hotels",
    "Zephyr Airlines",
]
TEMPLATES = [
    # name, cost bearer, usage, payment mode, amount, period, start, description
    (
        "Starter Trial",
        "",
        "Product trial",
        "All",
        500,
        "30 days",
        "From the issuance date",
        "First month of compute for new sign-ups",
    ),
    (
        "Database Trial",
        "Tencent",
        "Product trial",
        "Pay-as-you-go",
        1000,
        "60 days",
        "From the validity date",
        "Managed database evaluation",
    ),
    (
        "Growth Offer",
        "",
        "Customer offer",
        "Prepaid",
        2000,
        "3 months",
        "From the validity date",
        "Discount for growing prepaid accounts",
    ),
    (
        "Migration Boost",
        "",
        "CustomerOffer",
        "Postpaid",
        5000,
        "6 months",
        "From the validity date",
        "Offsets migration costs",
    ),
    (
        "Enterprise Welcome",
        "Tencent",
        "Customer offer",
        "AllPayment",
        10000,
        "12 months",
        "From the issuance date",
        "Welcome package for enterprise contracts",
    ),
    (
        "Cloud Expansion Programme 2027",
        "",
        "Customer offer",
        "All",
        3000,
        "6 months",
        "From the validity date",
        "Refused: name too long and not only letters",
    ),
    (
        "Partner Funded Trial",
        "Partner",
        "Product trial",
        "All",
        800,
        "30 days",
        "From the issuance date",
        "Refused: only Tencent can bear the cost",
    ),
]
REASONS = [
    "Evaluating container service for a new web shop",
    "Migrating on-premises database; needs test budget",
    "Expanding to a second region next quarter",
    "Proof of concept for video transcoding",
    "Renewal incentive agreed with the customer's CTO",
    "Pilot of the data warehouse for monthly reporting",
]


def build() -> Path:
    rng = random.Random(20261102)
    wb = Workbook()
    cust = wb.active
    cust.title = "Customers"
    cust.append(["Customer UIN", "Customer Name", "Bound Since", "Status", "Account Manager"])
    uins = []
    for i, company in enumerate(COMPANIES):
        uin = f"1000{12340001 + i * 37:08d}"
        uins.append(uin)
        status = "Unbound" if company in ("Pioneer Mining", "Umber Motors") else "Bound"
        cust.append(
            [
                uin,
                company,
                date(2025, 1, 6) + timedelta(days=17 * i),
                status,
                "ops.lead" if i % 2 else "ops.analyst",
            ]
        )

    tpl = wb.create_sheet("Templates")
    tpl.append(
        [
            "Template Name",
            "Cost Bearer",
            "Usage",
            "Product Scope",
            "Payment Mode",
            "Voucher Type",
            "Amount (USD)",
            "Validity Period",
            "Validity Start",
            "Description",
        ]
    )
    for name, bearer, usage, mode, amount, period, start, desc in TEMPLATES:
        tpl.append([name, bearer, usage, "", mode, "", amount, period, start, desc])

    req = wb.create_sheet("Requests")
    req["A1"] = "Voucher issuance requests - November batch"
    req["A1"].font = Font(bold=True, size=14)
    req["A2"] = "Prepared by ops.lead; one row per voucher. Amounts come from the template."
    req.append([])
    req.append(
        [
            "Request ID",
            "Template",
            "UIN",
            "Estimated Revenue",
            "Estimated Conversion Date",
            "Reason",
            "Requested By",
            "Internal Note",
        ]
    )
    usable = [t[0] for t in TEMPLATES[:5]]
    weights = [5, 4, 3, 2, 1]
    bound = [
        u
        for u, c in zip(uins, COMPANIES, strict=True)
        if c not in ("Pioneer Mining", "Umber Motors")
    ]
    for n in range(1, 65):
        template = rng.choices(usable, weights)[0]
        uin = rng.choice(bound)
        revenue: object = rng.choice([5000, 12000, 25000, 40000, 80000])
        when: object = date(2027, 1, 15) + timedelta(days=rng.randrange(0, 150))
        reason: object = rng.choice(REASONS)
        note = ""
        if n == 7:
            uin, note = "999999999999", "unknown UIN"
        elif n == 12:
            uin, note = uins[COMPANIES.index("Pioneer Mining")], "unbound customer"
        elif n == 18:
            when, note = "03/04/2027", "ambiguous date"
        elif n == 23:
            when, note = date(2026, 10, 1), "date before the processing date"
        elif n == 29:
            revenue, note = 12.5, "fractional revenue"
        elif n == 34:
            template, note = "Gold Plan", "unknown template"
        elif n == 40:
            reason, note = None, "missing reason"
        elif n == 45:
            template, note = "Cloud Expansion Programme 2027", "its template was refused"
        elif n == 50:
            revenue, note = "12,000", "thousands separator, accepted"
        req.append(
            [
                f"NOV-{n:04d}",
                template,
                uin,
                revenue,
                when,
                reason,
                "ops.analyst" if n % 3 else "ops.lead",
                note,
            ]
        )
    for ws in (cust, tpl, req):
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 22
    wb.save(OUT)
    return OUT


if __name__ == "__main__":
    print(build())
