"""The unused-balance-expiring rows of the monthly report, joined by a filter, are the bytes
the template's loop wrote, values escaped alike."""

from __future__ import annotations

from datetime import date

from voucher_batch.domain.follow_up import VoucherFact
from voucher_batch.render import ENV

LOOP = (
    "  {% for v in vs %}\n"
    '    <tr><th scope="row">{{ v.customer_uin }}</th><td>{{ v.voucher_id or "–" }}</td>'
    "<td>{{ v.issuance_id }}</td><td>{{ v.expiry.isoformat() }}</td>"
    '<td class="num">{{ v.balance|thousands }}</td></tr>\n'
    "  {% endfor %}\n"
)
FILTER = "  {% if vs %}\n{{ vs|expiring_rows }}\n  {% endif %}\n"


def _fact(n: int, voucher_id: str | None, remaining: int | None) -> VoucherFact:
    return VoucherFact(
        issuance_id=f"ISS-{n:06d}",
        template="Starter <Trial>",
        usage="Product trial",
        customer_uin=f"1000123400{n:02d}",
        customer_name="A & B",
        amount=1_234_567,
        estimated_revenue=0,
        estimated_conversion_date=date(2027, 1, 1),
        decided_on=date(2026, 11, 2),
        valid_until=date(2026, 12, n + 1),
        voucher_id=voucher_id,
        console_status=None,
        total=None if remaining is None else 1_234_567,
        remaining=remaining,
        expires_on=None,
        deals_used=0,
    )


def test_the_filter_writes_the_rows_the_loop_wrote() -> None:
    vouchers = [
        _fact(1, None, None),
        _fact(2, "V-<script>&\"x'", 1000),
        _fact(3, "", 5),
        _fact(4, "V-\u202eevil", 10**12),
    ]
    for vs in (vouchers, vouchers[:1], []):
        assert ENV.from_string(FILTER).render(vs=vs) == ENV.from_string(LOOP).render(vs=vs)
    assert "&lt;script&gt;&amp;&#34;x&#39;" in ENV.from_string(FILTER).render(vs=vouchers)
