"""The command group, its global options, and what every command shares: errors turned into
one line on stderr and an exit code (0 ran and nothing refused, 1 ran with refused rows or
recorded with its outputs lost, 2 nothing recorded), the ledger opened once per command and
closed when it ends. (Progress on a terminal: `progress`.)
"""

from __future__ import annotations

import getpass
import logging
import os
import signal
import sys
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from .. import checkpoints, settings
from ..errors import ConfigurationError, VoucherBatchError
from ..services import after_commit
from .options import (
    IsoDate,
    SettingError,
    config_defaults,
    out_dir_option,
    say,
    show_envvars,
)

if TYPE_CHECKING:  # the use cases load when a command runs, not for --help or completion
    from ..services.context import Context

__all__ = ["context_of", "main", "open_ledger_for", "out_dir_option", "say"]


def _operator_default() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "operator"


def _asks_for_help(args: list[str]) -> bool:
    """Whether the command line asks for help (before any `--` ends the options)."""
    for arg in args:
        if arg == "--":
            return False
        if arg in ("-h", "--help"):
            return True
    return False


class VoucherGroup(click.Group):
    """Turns every known error into one line on stderr and its exit code; the whole tree
    reads its defaults from the configuration file (settings.load_config)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        show_envvars(self.params)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if parent is None and "default_map" not in extra:
            try:
                config = settings.load_config()
            except ConfigurationError as exc:
                if not extra.get("resilient_parsing") and not _asks_for_help(args):
                    raise SettingError(exc.message) from None
                # completing a word, or asking how to fix it: never an error
                if not extra.get("resilient_parsing"):
                    say(f"voucher-batch: note: {exc.message} (help shown without it)", err=True)
                config = settings.Config()
            extra["default_map"] = config_defaults(self, config.values)
            ctx = super().make_context(info_name, args, parent, **extra)
            ctx.meta["config"] = config
            return ctx
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is not None:
            return self._invoke(ctx)
        after_commit.reset()
        # a `kill` (SIGTERM) ends the command as Ctrl-C does: with the truth of what was
        # recorded, not silently
        with checkpoints.termination_as_interrupt():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
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
        except KeyboardInterrupt as exc:
            batch = after_commit.last()
            if batch is not None:
                message = after_commit.recorded_message(batch, after_commit.cause(exc))
                say(f"voucher-batch: {message}", err=True)
                ctx.exit(1)
            how = (
                f"stopped ({exc.name})"
                if isinstance(exc, checkpoints.Terminated)
                else "interrupted"
            )
            say(f"voucher-batch: {how}; nothing more was recorded", err=True)
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


def _parse_date(ctx: click.Context, param: click.Parameter, value: date | None) -> date:
    return date.today() if value is None else value


@dataclass(frozen=True)
class Given:
    """Who acts, on which ledger, at which business date, as the options gave them. The
    command's `Context` (and with it the data stack) is built from these only when the
    command runs, so that `COMMAND --help` loads nothing."""

    ledger: str
    operator: str
    as_of: date


def _operator(value: str) -> str:
    if not value.strip():
        raise ConfigurationError("--operator is empty; give who is acting, or leave it out")
    return value.strip()


def _override(field: str) -> Any:
    """A global option given after the command name overrides the one before it."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value is None or ctx.get_parameter_source(field) is not _COMMANDLINE:
            return  # a variable is read once, by the group
        given: Given = ctx.obj
        if field == "as_of":
            ctx.meta["as_of_given"] = True
        elif field == "operator":
            value = _operator(value)
        ctx.obj = replace(given, **{field: value})

    return callback


_COMMANDLINE = click.core.ParameterSource.COMMANDLINE


class VoucherCommand(click.Command):
    """Every command also accepts the global options after its name, and shows every
    option's environment variable in its help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += [
            click.Option(
                ["--ledger"],
                metavar="URL",
                envvar="VOUCHER_BATCH_LEDGER",
                allow_from_autoenv=False,
                expose_value=False,
                callback=_override("ledger"),
                help="Ledger URL or SQLite path (as the global option).",
            ),
            click.Option(
                ["--as-of", "as_of"],
                type=IsoDate(),
                envvar="VOUCHER_BATCH_AS_OF",
                allow_from_autoenv=False,
                expose_value=False,
                callback=_override("as_of"),
                help="Business date (as the global option).",
            ),
            click.Option(
                ["--operator"],
                metavar="NAME",
                envvar="VOUCHER_BATCH_OPERATOR",
                allow_from_autoenv=False,
                expose_value=False,
                callback=_override("operator"),
                help="Who is acting (as the global option).",
            ),
        ]
        show_envvars(self.params)


VoucherGroup.command_class = VoucherCommand


VoucherGroup.group_class = type  # subgroups are VoucherGroups too


def open_ledger_for(ctx: click.Context, url: str) -> Any:
    """The ledger at `url`, its connections closed when the command ends (whatever way it
    ends), so that nothing outlives the command: a SQLite file is left checkpointed, a
    PostgreSQL server gets its connections back."""
    from ..services.context import open_ledger

    ledger = open_ledger(url)
    ctx.call_on_close(ledger.dispose)
    return ledger


def context_of(ctx: click.Context) -> Context:
    """The command's context: built on first use from what the options gave (the ledger
    is opened then, and closed when the command ends)."""
    from ..services.context import Context

    if isinstance(ctx.obj, Given):
        given = ctx.obj
        ctx.obj = Context(open_ledger_for(ctx, given.ledger), given.operator, given.as_of)
    built: Context = ctx.obj
    return built


EXAMPLE = """
\b
Example:
  voucher-batch init
  voucher-batch quota grant 50000 --by ops.lead --ref CONTRACT-7
  voucher-batch ingest batch.xlsx --out-dir reports
"""


@click.group(
    cls=VoucherGroup,
    epilog=EXAMPLE,
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "VOUCHER_BATCH"},
)
@click.option(
    "--ledger",
    metavar="URL",
    envvar="VOUCHER_BATCH_LEDGER",
    default=settings.DEFAULT_LEDGER,
    show_default=True,
    help="SQLAlchemy URL or SQLite file path of the ledger.",
)
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    envvar="VOUCHER_BATCH_AS_OF",
    callback=_parse_date,
    help="Business date of what is recorded (default today).",
)
@click.option(
    "--operator",
    metavar="NAME",
    envvar="VOUCHER_BATCH_OPERATOR",
    default=_operator_default,
    show_default="the login name",
    help="Who is acting.",
)
@click.version_option(package_name="voucher_batch")
@click.pass_context
def main(ctx: click.Context, ledger: str, as_of: date, operator: str) -> None:
    """Run cloud-voucher issuance from Excel workbooks against a quota ledger.

    Every option can also be set by the environment variable its help names, and
    `ledger`, `operator`, `calendar` and `out_dir` by a voucher-batch.toml file
    ('voucher-batch doctor' shows which one is used)."""
    settings.check_environment()
    ctx.obj = Given(ledger, _operator(operator), as_of)


def quiet_finalisers() -> None:
    """The command's own lines are all it prints on stderr: what Python would print about an
    object it could not finalise (`Exception ignored in ...`, with a traceback: a workbook's
    zip left open by a full disk, say) and what a library logs when it cannot close a
    connection during an interrupt (SQLAlchemy's pool) come after the command has said what
    happened, and say nothing more to its user. VOUCHER_BATCH_DEBUG=1 shows them."""
    if os.environ.get("VOUCHER_BATCH_DEBUG"):
        return
    sys.unraisablehook = lambda _unraisable: None
    logging.getLogger("sqlalchemy").addHandler(logging.NullHandler())


def run() -> None:
    """The console script `voucher-batch`, and `python -m voucher_batch`."""
    quiet_finalisers()
    try:
        main(prog_name="voucher-batch")
    finally:
        # the command has ended and said how: a signal while the interpreter shuts down
        # must not replace its exit code
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
