"""Which name each output file gets, and the per-folder record of what the tool wrote (R17).

- A name is *free* when nothing at all is there (no file, folder or link).
- A file may be *replaced* only when the folder's record (`.voucher-batch-outputs.json`)
  says the tool wrote it as regenerable output - a dry run, a run that recorded nothing, a
  monthly report - and its bytes are still exactly those it wrote (sha256). Anything else
  (a person's file, a file someone edited, the outputs of a recorded batch, a review or
  blank workbook) is never replaced: the output takes the next name instead.
- The two files of one run (decision workbook and report; monthly html and xlsx) always
  share one name tag.

The record is rewritten atomically; if two runs update it at once one entry may be lost,
which only makes that file non-replaceable (the safe direction).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..atomic import fsync_dir, temp_path
from ..errors import OutputError

RECORD = ".voucher-batch-outputs.json"
DRY_RUN, NOT_RECORDED, RECORDED = "dry run", "not recorded", "recorded"
MONTHLY, REVIEW_EXPORT, BLANK = "monthly report", "review export", "blank workbook"
LEDGER_EXPORT = "ledger export"  # `templates export`, `vouchers export`
REPLACEABLE = frozenset({DRY_RUN, NOT_RECORDED, MONTHLY, LEDGER_EXPORT})
# batch ids are 64-bit: the longest name a recorded batch can need
LONGEST_BATCH_ID = "9" * 19
MAX_TAGS = 1000


def name_max(folder: Path) -> int:
    """The longest file name (in bytes) the folder's file system takes."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def check_names_fit(folder: Path, names: Iterable[str], advice: str) -> None:
    """Refuse, before anything is recorded, names the file system cannot hold."""
    limit = name_max(folder)
    for name in names:
        size = len(os.fsencode(name))
        if size > limit:
            raise OutputError(
                f"the output name '{name[:40]}...' would be {size} bytes long, more than the "
                f"{limit} the file system of {folder} allows; {advice}; nothing was recorded"
            )


def sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def load_record(folder: Path) -> dict[str, dict[str, str]]:
    """What the tool wrote into `folder` (name -> kind, sha256). Unreadable = nothing."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {
        str(k): {"kind": str(v.get("kind", "")), "sha256": str(v.get("sha256", ""))}
        for k, v in files.items()
        if isinstance(v, dict)
    }


def remember(folder: Path, written: dict[str, str]) -> None:
    """Add files the tool just wrote (name -> kind) to the folder's record.

    Best effort: a record that cannot be written only means these files will not be
    replaced later."""
    try:
        record = load_record(folder)
        for name, kind in written.items():
            sha = sha256_of(folder / name)
            if sha is not None:
                record[name] = {"kind": kind, "sha256": sha}
        tmp = temp_path(folder, ".json")
        tmp.write_text(json.dumps({"files": record}, indent=1, sort_keys=True), encoding="utf-8")
        try:
            os.replace(tmp, folder / RECORD)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(folder)
    except OSError:
        return


def may_replace(folder: Path, name: str, record: dict[str, dict[str, str]]) -> bool:
    """True only for regenerable output the tool wrote here and nobody changed since."""
    entry = record.get(name)
    path = folder / name
    if entry is None or entry["kind"] not in REPLACEABLE:
        return False
    if path.is_symlink() or not path.is_file():
        return False
    return sha256_of(path) == entry["sha256"]


def usable(folder: Path, name: str, record: dict[str, dict[str, str]]) -> tuple[bool, bool]:
    """(may be written, must replace the file there)."""
    if not os.path.lexists(folder / name):
        return True, False
    if may_replace(folder, name, record):
        return True, True
    return False, False


@dataclass(frozen=True)
class Pair:
    """The names of the two files of one run and whether each replaces a file."""

    first: Path
    second: Path
    replace_first: bool
    replace_second: bool


Names = Callable[[str], tuple[str, str]]


def pick_pair(folder: Path, names: Names, tags: Iterable[str]) -> Pair:
    """The first tag whose two names may both be written."""
    record = load_record(folder)
    for n, tag in enumerate(tags):
        if n >= MAX_TAGS:
            break
        a, b = names(tag)
        ok_a, rep_a = usable(folder, a, record)
        ok_b, rep_b = usable(folder, b, record)
        if ok_a and ok_b:
            return Pair(folder / a, folder / b, rep_a, rep_b)
    raise OutputError(f"no free output name in {folder} (tried {MAX_TAGS}); clear the folder")


def numbered() -> Iterator[str]:
    """ "", then "-2", "-3", ..."""
    yield ""
    n = 2
    while True:
        yield f"-{n}"
        n += 1


def counted(first: str, base: str) -> Iterator[str]:
    """`first`, then `base`, `base-2`, `base-3`, ..."""
    yield first
    yield base
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1


Writer = Callable[[Path, bool], None]  # (path, may replace) -> writes the file


def write_pair(
    folder: Path,
    names: Names,
    tags: Callable[[], Iterable[str]],
    kind: str,
    write_first: Writer,
    write_second: Writer,
    attempts: int = 5,
) -> Pair:
    """Pick the names, write both files and record them.

    If a name is taken between the choice and the move into place (another run, a person
    saving a file), the writer raises FileExistsError: the first file, if this call placed
    it, is taken back (only while it is still exactly what was written) and the next free
    names are used."""
    last: FileExistsError | None = None
    for _ in range(attempts):
        pair = pick_pair(folder, names, tags())
        try:
            write_first(pair.first, pair.replace_first)
        except FileExistsError as exc:
            last = exc
            continue
        placed = sha256_of(pair.first)
        try:
            write_second(pair.second, pair.replace_second)
        except FileExistsError as exc:
            last = exc
            if placed is not None and sha256_of(pair.first) == placed:
                pair.first.unlink(missing_ok=True)
            continue
        except BaseException:
            remember(folder, {pair.first.name: kind})  # what was written stays known
            raise
        remember(folder, {pair.first.name: kind, pair.second.name: kind})
        return pair
    assert last is not None
    raise last


def write_new(
    folder: Path, names: Iterable[str], kind: str, write: Callable[[Path], object]
) -> Path:
    """Write a workbook a person will fill in (a review or blank workbook) under the first
    of `names` that is free; such a file is never replaced, not even one the tool wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, name in enumerate(names):
        if n >= MAX_TAGS:
            break
        path = folder / name
        if os.path.lexists(path):
            continue
        try:
            write(path)
        except FileExistsError:  # taken a moment ago: try the next name
            continue
        remember(folder, {name: kind})
        return path
    raise OutputError(f"no free output name in {folder} (tried {MAX_TAGS}); clear the folder")


def write_regenerable(
    folder: Path, names: Iterable[str], kind: str, write: Writer, attempts: int = 5
) -> Path:
    """Write one regenerable output (an export of the ledger's state) under the first of
    `names` that is free or holds this kind of output the tool wrote and nobody changed."""
    folder.mkdir(parents=True, exist_ok=True)
    candidates = list(itertools.islice(names, MAX_TAGS))
    for _ in range(attempts):
        record = load_record(folder)
        for name in candidates:
            ok, replace = usable(folder, name, record)
            if ok:
                break
        else:
            raise OutputError(
                f"no free output name in {folder} (tried {MAX_TAGS}); clear the folder"
            )
        try:
            write(folder / name, replace)
        except FileExistsError:  # taken a moment ago: choose again
            continue
        remember(folder, {name: kind})
        return folder / name
    raise OutputError(f"{folder} keeps changing while writing; try again")
