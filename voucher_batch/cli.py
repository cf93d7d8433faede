"""The command line: parse options, call one service, print, map errors to exit codes.

No pandas, SQL or openpyxl here. Every failure reaches the user as one sentence on stderr;
exit codes: 0 ran and nothing refused, 1 ran with refused rows, 2 nothing recorded.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from . import after_commit, services, settings
from .domain.identity import printable
from .domain.quota import SUM_MAX, SUM_MAX_TEXT, Balance
from .errors import ConfigurationError, VoucherBatchError
from .ledger import DEFAULT_LEDGER, Ledger
from .workbook.choices import CHOICES, choice_key

BLANK_NAME = "voucher-batch-input.xlsx"
F = TypeVar("F", bound=Callable[..., Any])


def _operator_default() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "operator"


class VoucherGroup(click.Group):
    """Turns every known error into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is None:
            after_commit.reset()
        try:
            return super().invoke(ctx)
        except VoucherBatchError as exc:
            batch = after_commit.last()
            if batch is not None and exc.exit_code == 2:
                # after a commit nothing may say "nothing was recorded" (R18)
                click.echo(
                    "voucher-batch: " + after_commit.recorded_message(batch, exc.message),
                    err=True,
                )
                ctx.exit(1)
            click.echo(f"voucher-batch: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # e.g. piped into `head`: stop quietly
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python's exit flush quiet
            ctx.exit(0)
        except KeyboardInterrupt:
            batch = after_commit.last()
            if batch is not None:
                message = after_commit.recorded_message(batch, "the run was interrupted")
                click.echo(f"voucher-batch: {message}", err=True)
                ctx.exit(1)
            click.echo("voucher-batch: interrupted; nothing more was recorded", err=True)
            ctx.exit(2)
        except Exception as exc:  # the user gets a sentence, never a traceback
            if os.environ.get("VOUCHER_BATCH_DEBUG"):
                raise
            batch = after_commit.last()
            if batch is not None:
                message = after_commit.recorded_message(
                    batch, f"then an unexpected error stopped the run ({after_commit.cause(exc)})"
                )
                click.echo(f"voucher-batch: {message}", err=True)
                ctx.exit(1)
            click.echo(
                f"voucher-batch: unexpected error ({type(exc).__name__}: {exc}); nothing was "
                "recorded by the failing step. Set VOUCHER_BATCH_DEBUG=1 for details.",
                err=True,
            )
            ctx.exit(2)


class SettingError(click.ClickException):
    """A bad environment variable found while Click parses the options: one line, exit 2
    (Click would otherwise print a usage text that names an option the user never typed)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"voucher-batch: {self.message}", err=True)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    if value is None or value == "":
        return date.today()
    try:
        # exactly YYYY-MM-DD: fromisoformat alone would also take 20261102 or 2026-W45-1
        if not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError(value)
        return date.fromisoformat(value.strip())
    except ValueError:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if source is click.core.ParameterSource.ENVIRONMENT:
            raise SettingError(
                f"VOUCHER_BATCH_AS_OF is {value!r}, not a date (YYYY-MM-DD); fix it or unset it"
            ) from None
        raise click.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _override(field: str) -> Any:
    """A global option given after the command name overrides the one before it."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None:
            return
        current: services.Context = ctx.obj
        if field == "ledger":
            ctx.obj = replace(current, ledger=_open_ledger(ctx, value))
        elif field == "as_of":
            ctx.obj = replace(current, business_date=_parse_date(ctx, param, value))
            ctx.meta["as_of_given"] = True
        else:
            ctx.obj = replace(current, operator=value.strip() or current.operator)

    return callback


class VoucherCommand(click.Command):
    """Every command also accepts the global options after its name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += [
            click.Option(
                ["--ledger"],
                expose_value=False,
                callback=_override("ledger"),
                help="Ledger URL or SQLite path (as the global option).",
            ),
            click.Option(
                ["--as-of"],
                expose_value=False,
                callback=_override("as_of"),
                help="Business date YYYY-MM-DD (as the global option).",
            ),
            click.Option(
                ["--operator"],
                expose_value=False,
                callback=_override("operator"),
                help="Who is acting (as the global option).",
            ),
        ]


VoucherGroup.command_class = VoucherCommand
VoucherGroup.group_class = type  # subgroups are VoucherGroups too


def out_dir_option(help_text: str) -> Callable[[F], F]:
    """--out-dir, shared by every command that writes files (default ./reports)."""
    return click.option(
        "--out-dir",
        type=click.Path(path_type=Path),
        default=Path("reports"),
        show_default=True,
        help=help_text,
    )


def _open_ledger(ctx: click.Context, url: str) -> Ledger:
    """The ledger at `url`, its connections closed when the command ends (whatever way it
    ends), so that nothing outlives the command: a SQLite file is left checkpointed, a
    PostgreSQL server gets its connections back."""
    ledger = Ledger(url)
    ctx.call_on_close(ledger.dispose)
    return ledger


def _context(ctx: click.Context) -> services.Context:
    obj: services.Context = ctx.obj
    return obj


def _positive_amount(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    text = value.replace(",", "")
    if not text.isascii() or not text.isdigit() or int(text) == 0:
        raise click.BadParameter(f"'{value}' is not a positive whole number")
    if int(text) > SUM_MAX:
        raise click.BadParameter(f"'{value}' is more than the ledger holds ({SUM_MAX_TEXT}) (R16)")
    return int(text)


@click.group(cls=VoucherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--ledger",
    envvar="VOUCHER_BATCH_LEDGER",
    default=DEFAULT_LEDGER,
    show_default=True,
    help="SQLAlchemy URL or SQLite file path of the ledger.",
)
@click.option(
    "--as-of",
    "as_of",
    envvar="VOUCHER_BATCH_AS_OF",
    callback=_parse_date,
    help="Business date of what is recorded (YYYY-MM-DD, default today).",
)
@click.option(
    "--operator",
    envvar="VOUCHER_BATCH_OPERATOR",
    default=_operator_default,
    help="Who is acting (default: the login name).",
)
@click.version_option(package_name="voucher_batch")
@click.pass_context
def main(ctx: click.Context, ledger: str, as_of: date, operator: str) -> None:
    """Run cloud-voucher issuance from Excel workbooks against a quota ledger."""
    settings.check_environment()
    if not operator.strip():
        raise ConfigurationError("--operator is empty; give who is acting, or leave it out")
    ctx.obj = services.Context(_open_ledger(ctx, ledger), operator.strip(), as_of)


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the ledger, or upgrade it; safe to run again."""
    c = _context(ctx)
    state = c.ledger.init()
    click.echo(f"ledger {c.ledger.name}: {state}")


@main.group()
def quota() -> None:
    """Grant, reclaim and show the issuance quota."""


def _quota_options(fn: Any) -> Any:
    fn = click.option("--note", default="", help="Free text kept with the entry.")(fn)
    fn = click.option("--ref", default="", help="Reference, e.g. a ticket or contract.")(fn)
    fn = click.option("--by", "by", required=True, help="Who granted or reclaimed it.")(fn)
    fn = click.argument("amount", callback=_positive_amount)(fn)
    return fn


def _print_balance(balance: Balance) -> None:
    for key, value in balance.as_dict().items():
        click.echo(f"{key:>9}: {value:>14,}")


def _quota_change(ctx: click.Context, kind: str, amount: int, by: str, ref: str, note: str) -> None:
    outcome = services.quota_apply(_context(ctx), kind, amount, by, ref, note)
    if outcome.already_recorded:
        click.echo(
            f"Already recorded: {kind} of {amount:,} with reference '{ref}'; nothing changed"
        )
    _print_balance(outcome.balance)


@quota.command()
@_quota_options
@click.pass_context
def grant(ctx: click.Context, amount: int, by: str, ref: str, note: str) -> None:
    """Raise the quota by AMOUNT (R1). A --ref already recorded for the same grant is
    'Already recorded' and changes nothing (R16)."""
    _quota_change(ctx, "grant", amount, by, ref, note)


@quota.command()
@_quota_options
@click.pass_context
def reclaim(ctx: click.Context, amount: int, by: str, ref: str, note: str) -> None:
    """Lower the quota by AMOUNT; never below what is issued on any day (R1, R14)."""
    _quota_change(ctx, "reclaim", amount, by, ref, note)


@quota.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Show quota, pending, approved, rejected, issued and remaining (R2)."""
    balance = services.quota_show(_context(ctx))
    if as_json:
        click.echo(json.dumps(balance.as_dict()))
    else:
        _print_balance(balance)


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@out_dir_option("Folder for the decision workbook and the report.")
@click.option("--dry-run", is_flag=True, help="Decide and write outputs, record nothing.")
@click.option(
    "--all-or-nothing", is_flag=True, help="Record nothing (exit 2) if any row is refused."
)
@click.pass_context
def ingest(
    ctx: click.Context, workbook: Path, out_dir: Path, dry_run: bool, all_or_nothing: bool
) -> None:
    """Apply the Customers, Templates and Requests sheets of WORKBOOK."""
    result = services.ingest(
        _context(ctx), workbook, out_dir, dry_run, all_or_nothing, services.tty_progress
    )
    for sheet, by in result.counts.items():
        parts = ", ".join(f"{n} {d.lower()}" for d, n in by.items() if n)
        click.echo(f"{sheet}: {parts or 'no rows'}")
    state = "recorded" if result.recorded else f"nothing recorded ({result.not_recorded_reason})"
    click.echo(
        f"{state}; remaining quota {result.before.remaining:,} -> {result.after.remaining:,}"
    )
    click.echo(f"decisions: {result.decisions_path}")
    click.echo(f"report:    {result.report_path}")
    ctx.exit(result.exit_code)


def _choice(column: str) -> Any:
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        code = CHOICES[column].get(choice_key(value))
        if code is None:
            raise click.BadParameter(f"'{value}' is not a {column}")
        return code

    return convert


@main.group()
def templates() -> None:
    """Query voucher templates."""


@templates.command("list")
@click.option("--name", help="Part of the template name (case-insensitive).")
@click.option("--usage", callback=_choice("Usage"), help="Product trial | Customer offer.")
@click.option("--payment-mode", callback=_choice("Payment Mode"), help="All | Prepaid | Postpaid.")
@click.option("--locked/--editable", default=None, help="Only locked or only editable ones.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def templates_list(
    ctx: click.Context,
    name: str | None,
    usage: str | None,
    payment_mode: str | None,
    locked: bool | None,
    as_json: bool,
) -> None:
    """List templates with their lock state and issued count (R6)."""
    rows = services.templates_list(_context(ctx), name, usage, payment_mode, locked)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
        return
    for r in rows:
        state = f"locked ({r.issued_count} issued)" if r.locked else "editable"
        click.echo(
            f"{printable(r.name):<20}  {r.usage:<13}  {r.payment_mode:<10}  {r.amount:>9,}  "
            f"{r.validity_period:<9}  {r.validity_start:<22}  {state}"
        )
    if not rows:
        click.echo("no templates", err=True)


@main.group()
def vouchers() -> None:
    """Query issued vouchers."""


@vouchers.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected"]))
@click.option("--customer", help="Customer UIN.")
@click.option("--template", help="Template name (compared as in R4).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def vouchers_list(
    ctx: click.Context,
    status: str | None,
    customer: str | None,
    template: str | None,
    as_json: bool,
) -> None:
    """List issuances with status, decision date and validity."""
    rows = services.vouchers_list(_context(ctx), status, customer, template)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(r).items()}
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return
    for r in rows:
        click.echo(
            f"{r.issuance_id}  {printable(r.request_id):<14}  {printable(r.template_name):<20}  "
            f"{r.customer_uin:<20}  {r.amount:>9,}  {r.status:<8}  "
            f"{r.requested_on}  {r.valid_from or ''} {r.valid_until or ''}"
        )
    if not rows:
        click.echo("no vouchers", err=True)


@main.group()
def sheets() -> None:
    """Workbooks to fill in."""


@sheets.command()
@out_dir_option("Folder for the blank workbook.")
def blank(out_dir: Path) -> None:
    """Write an empty input workbook with headers, dropdowns and instructions.

    An existing workbook is never replaced: the next free name is used
    (voucher-batch-input-2.xlsx, ...)."""
    from .output_names import BLANK, numbered, write_new
    from .workbook.blank import write_blank

    folder = out_dir.expanduser()
    services.check_writable(folder)
    stem, suffix = BLANK_NAME.rsplit(".", 1)
    names = (f"{stem}{tag}.{suffix}" for tag in numbered())
    click.echo(str(write_new(folder, names, BLANK, write_blank)))


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    default=Path("build/demo"),
    show_default=True,
    help="Folder for the demo ledger and outputs: empty, missing, or the demo's own from an "
    "earlier run (only what the demo wrote there is cleared).",
)
@click.pass_context
def demo(ctx: click.Context, directory: Path) -> None:
    """Run the whole flow on the sample sheets against a fresh ledger in DIR."""
    from .demo import run_demo

    as_of_source = ctx.find_root().get_parameter_source("as_of")
    given = bool(ctx.meta.get("as_of_given")) or (
        as_of_source is not None and as_of_source.name != "DEFAULT"
    )
    code = run_demo(
        directory,
        _context(ctx).operator,
        _context(ctx).business_date if given else None,
        click.echo,
    )
    ctx.exit(code)


# the review, report, ledger and batches commands register themselves on `main`
from . import cli_batches, cli_review  # noqa: E402, F401

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
