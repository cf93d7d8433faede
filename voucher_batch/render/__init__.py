"""Rendering reports: one Jinja environment with autoescape on, templates as package data."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..atomic import atomic_path


def _thousands(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _expiring_rows(vouchers: Iterable[Any]) -> Markup:
    """The rows of an unused-balance-expiring table, one line each (a window may list
    hundreds of thousands of vouchers: built here, not looped over in the template, with
    each value escaped as the template's autoescape does)."""
    return Markup(
        "\n".join(
            f'    <tr><th scope="row">{escape(v.customer_uin)}</th>'
            f"<td>{escape(v.voucher_id or '–')}</td><td>{escape(v.issuance_id)}</td>"
            f"<td>{escape(v.expiry.isoformat())}</td>"
            f'<td class="num">{escape(_thousands(v.balance))}</td></tr>'
            for v in vouchers
        )
    )


ENV = Environment(
    loader=PackageLoader("voucher_batch", "render/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["thousands"] = _thousands
ENV.filters["expiring_rows"] = _expiring_rows


def render_html(template: str, path: Path, replace: bool = False, **context: Any) -> Path:
    """Render `template` to `path`, written under a temporary name and moved into place; an
    existing file at `path` is replaced only with `replace` (else FileExistsError)."""
    stream = ENV.get_template(template).stream(**context)  # written as rendered,
    stream.enable_buffering(1_000)  # a thousand pieces a write
    with atomic_path(path, replace) as tmp, tmp.open("wb") as out:
        stream.dump(out, encoding="utf-8")
    return path
