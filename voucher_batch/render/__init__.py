"""Rendering reports: one Jinja environment with autoescape on, templates as package data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..atomic import atomic_path


def _thousands(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


ENV = Environment(
    loader=PackageLoader("voucher_batch", "render/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["thousands"] = _thousands


def render_html(template: str, path: Path, replace: bool = False, **context: Any) -> Path:
    """Render `template` to `path`, written under a temporary name and moved into place; an
    existing file at `path` is replaced only with `replace` (else FileExistsError)."""
    stream = ENV.get_template(template).stream(**context)  # written as rendered,
    stream.enable_buffering(1_000)  # a thousand pieces a write
    with atomic_path(path, replace) as tmp, tmp.open("wb") as out:
        stream.dump(out, encoding="utf-8")
    return path
