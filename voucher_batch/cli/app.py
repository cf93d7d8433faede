"""The command group, its global options, and what every command shares: errors turned into
one line on stderr and an exit code (0 ran and nothing refused, 1 ran with refused rows or
recorded with its outputs lost, 2 nothing recorded), the ledger opened once per command and
closed when it ends. (Progress on a terminal: `progress`.)
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import settings
from ..errors import ConfigurationError, VoucherBatchError
from ..services import after_commit
from ..services.context import DEFAULT_LEDGER, Context, open_ledger, printable

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
                say(
                    "voucher-batch: " + after_commit.recorded_message(batch, exc.message),
                    err=True,
                )
                ctx.exit(1)
            say(f"voucher-batch: {exc.message}", err=True)
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
                say(f"voucher-batch: {message}", err=True)
                ctx.exit(1)
            say("voucher-batch: interrupted; nothing more was recorded", err=True)
            ctx.exit(2)
        except Exception as exc:  # the user gets a sentence, never a traceback
            if os.environ.get("VOUCHER_BATCH_DEBUG"):
                raise
            batch = after_commit.last()
            if batch is not None:
                message = after_commit.recorded_message(
                    batch, f"then an unexpected error stopped the run ({after_commit.cause(exc)})"
                )
                say(f"voucher-batch: {message}", err=True)
                ctx.exit(1)
            say(
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
        say(f"voucher-batch: {self.message}", err=True)


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
        current: Context = ctx.obj
        if field == "ledger":
            ctx.obj = replace(current, ledger=open_ledger_for(ctx, value))
        elif field == "as_of":
            ctx.obj = replace(current, business_date=_parse_date(ctx, param, value))
            ctx.meta["as_of_given"] = True
        else:
            if not value.strip():
                raise ConfigurationError("--operator is empty; give who is acting, or leave it out")
            ctx.obj = replace(current, operator=value.strip())

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


def say(text: str, err: bool = False) -> None:
    """Print one line for people (or JSON for scripts): control and bidirectional characters
    from file names or ledger text are shown as escapes, so nothing printed can be forged
    (in JSON strings the escape means the same character)."""
    click.echo(printable(text), err=err)


def out_dir_option(help_text: str) -> Callable[[F], F]:
    """--out-dir, shared by every command that writes files (default ./reports)."""
    return click.option(
        "--out-dir",
        type=click.Path(path_type=Path),
        default=Path("reports"),
        show_default=True,
        help=help_text,
    )


def open_ledger_for(ctx: click.Context, url: str) -> Any:
    """The ledger at `url`, its connections closed when the command ends (whatever way it
    ends), so that nothing outlives the command: a SQLite file is left checkpointed, a
    PostgreSQL server gets its connections back."""
    ledger = open_ledger(url)
    ctx.call_on_close(ledger.dispose)
    return ledger


def context_of(ctx: click.Context) -> Context:
    obj: Context = ctx.obj
    return obj


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
    ctx.obj = Context(open_ledger_for(ctx, ledger), operator.strip(), as_of)
