"""How options are declared, once for every command: their environment variables shown in
`--help`, the types of dates, months and dropdown values (with metavars, case-insensitive
choices and shell completion), the options a configuration file may set, and where a value
came from (option, environment, configuration file, default).

Nothing here loads the data stack: `--help` and completion stay fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource
from click.shell_completion import CompletionItem

from ..services import vocabulary

F = TypeVar("F", bound=Callable[..., Any])
PREFIX = "VOUCHER_BATCH"  # every option's variable: VOUCHER_BATCH_<COMMAND>_<OPTION>


def say(text: str, err: bool = False) -> None:
    """Print one line for people (or JSON for scripts): control and bidirectional characters
    from file names or ledger text are shown as escapes, so nothing printed can be forged
    (in JSON strings the escape means the same character)."""
    try:
        click.echo(vocabulary.printable(text), err=err)
    except OSError:  # a terminal that hung up: nobody to tell (the exit code still tells)
        if not err:
            raise


class SettingError(click.ClickException):
    """A bad environment variable or configuration file found while Click parses the
    options: one line, exit 2 (Click would otherwise print a usage text that names an option
    the user never typed)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        say(f"voucher-batch: {self.message}", err=True)


def show_envvars(params: Iterable[click.Parameter]) -> None:
    """Every option but --help and --version shows its variable in --help."""
    for param in params:
        if isinstance(param, click.Option) and param.name not in ("help", "version"):
            param.show_envvar = True


def envvar_of(ctx: click.Context, param: click.Parameter) -> str:
    """The variable an option reads: its own, or the one Click derives for it."""
    if isinstance(param.envvar, str):
        return param.envvar
    return f"{ctx.auto_envvar_prefix}_{(param.name or '').upper()}"


def source_of(ctx: click.Context, name: str) -> str:
    """Where the value of option `name` came from, in the words `doctor` prints."""
    source = ctx.get_parameter_source(name)
    if source is ParameterSource.COMMANDLINE:
        return "option"
    if source is ParameterSource.ENVIRONMENT:
        param = next(p for p in ctx.command.params if p.name == name)
        return f"environment, {envvar_of(ctx, param)}"
    if source is ParameterSource.DEFAULT_MAP:
        return "configuration file"
    return "default"


# ---- types ---------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


class _Strict(click.DateTime):
    """A date-time type that takes exactly one written form (strptime alone would also take
    `2026-1-2`) and keeps this tool's wording of a bad value."""

    pattern: re.Pattern[str] = _ISO_DATE
    form = "YYYY-MM-DD"
    what = "a date"

    def __init__(self) -> None:
        super().__init__([{"YYYY-MM-DD": "%Y-%m-%d", "YYYY-MM": "%Y-%m"}[self.form]])

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.form

    def __repr__(self) -> str:
        return self.form

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, date):
            return value
        text = str(value).strip()
        parsed: datetime | None = None
        if self.pattern.fullmatch(text):
            try:
                parsed = super().convert(text, param, ctx)
            except click.BadParameter:
                parsed = None
        if parsed is None:
            self._refuse(str(value), param, ctx)
        assert parsed is not None
        return parsed.date()

    def _refuse(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> None:
        given_by = ctx.get_parameter_source(param.name) if ctx and param and param.name else None
        if param is not None and ctx is not None and given_by is ParameterSource.ENVIRONMENT:
            raise SettingError(
                f"{envvar_of(ctx, param)} is {value!r}, not {self.what} ({self.form}); "
                "fix it or unset it"
            )
        self.fail(f"'{value}' is not {self.what} ({self.form})", param, ctx)


class IsoDate(_Strict):
    """A date written YYYY-MM-DD, as a `datetime.date`."""

    name = "date"


class Month(_Strict):
    """A month written YYYY-MM, passed on as that text (`2026-11`)."""

    name = "month"
    pattern = _MONTH
    form = "YYYY-MM"
    what = "a month"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        day = super().convert(value, param, ctx)
        return f"{day:%Y-%m}"


class DropdownChoice(click.Choice[str]):
    """A dropdown column's values as an option: help and completion list the console's
    words; any spelling a workbook accepts (`ProductTrial`, `pay-as-you-go`, any case) is
    taken and passed on as the API code."""

    def __init__(self, column: str) -> None:
        super().__init__(vocabulary.choice_labels(column), case_sensitive=False)
        self.column = column

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "[" + "|".join(self.choices) + "]"

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        start = incomplete.casefold()
        return [CompletionItem(c) for c in self.choices if c.casefold().startswith(start)]

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        code = vocabulary.choice_code(self.column, str(value))
        if code is None:
            shown = ", ".join(repr(c) for c in self.choices)
            self.fail(f"'{value}' is not a {self.column}; use one of {shown}", param, ctx)
        return code


# ---- options a configuration file may set --------------------------------------------------


class ConfiguredOption(click.Option):
    """An option whose default a configuration file may set (`config_key`), reading one
    variable shared by every command that has it (VOUCHER_BATCH_OUT_DIR, ...)."""

    def __init__(self, *args: Any, config_key: str, **kwargs: Any) -> None:
        kwargs.setdefault("envvar", f"{PREFIX}_{config_key.upper()}")
        super().__init__(*args, **kwargs)
        self.config_key = config_key


def out_dir_option(help_text: str) -> Callable[[F], F]:
    """--out-dir, shared by every command that writes files (default ./reports)."""
    return click.option(
        "--out-dir",
        cls=ConfiguredOption,
        config_key="out_dir",
        type=click.Path(path_type=Path),
        metavar="DIR",
        default=Path("reports"),
        show_default=True,
        help=help_text,
    )


def calendar_option() -> Callable[[F], F]:
    """--calendar, for the commands that count business days (R12)."""
    return click.option(
        "--calendar",
        cls=ConfiguredOption,
        config_key="calendar",
        metavar="CC",
        help="Country code for business days (e.g. CN, SG, HK; default Mon-Fri).",
    )


def config_defaults(
    command: click.Command, values: dict[str, str], root: bool = True
) -> dict[str, Any]:
    """Click's `default_map` for the whole command tree from a configuration file's values
    (the group's own options by name, and every `ConfiguredOption` below it): command line >
    environment > configuration file > default, as Click ranks them."""
    found: dict[str, Any] = {}
    for param in command.params:
        key = param.config_key if isinstance(param, ConfiguredOption) else param.name
        if key in values and param.name and (root or isinstance(param, ConfiguredOption)):
            found[param.name] = values[key]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            below = config_defaults(sub, values, root=False)
            if below:
                found[name] = below
    return found
