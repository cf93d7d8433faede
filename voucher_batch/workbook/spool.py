"""A table's rows kept in a file, for a second process to write from.

A process that writes a large sheet alongside the run (`second_process.spawn`) is a fresh
interpreter: it is sent a table without its rows, which the run writes to a file first
(pickled, a chunk of rows at a time: about a second a million rows) and the other process
reads back a chunk at a time. (A forked copy of the run would walk the run's own rows, and
so keep a copy of every page they lie on.) Values come back equal and of the same types
(str, int, float, bool, datetime, date, the vocabulary's enum members), so the workbook
written from them is the same file.

Each chunk is read back only if it is what was written: a keyed hash of it (BLAKE2b, a
random key of the writing process) is kept beside its offset, in memory, and sent to the
other process with the rest of its work, never through the file system. A
file changed or put in place by someone else (a temporary folder others can write to) is
refused, not unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

CHUNK_ROWS = 2_000  # rows pickled together: read back as one


class SpooledRows(Sequence[list[object]]):
    """Rows `first` to `len(self)` (excluded) of a table, read back from the file
    `spool_rows` wrote. Made to be read in order (as a sheet is written): a row reads its
    chunk unless it is the chunk read last. Rows before `first` are not in the file."""

    def __init__(
        self, path: Path, first: int, offsets: list[int], length: int, key: bytes, sums: list[bytes]
    ) -> None:
        self.path = path
        self.first = first
        self._offsets = offsets  # where each chunk starts, then where the file ends
        self._length = length
        self._key = key  # the keyed hash of each chunk, as written
        self._sums = sums
        self._chunk = -1
        self._rows: list[list[object]] = []

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> list[object]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[object]]: ...

    def __getitem__(self, index: int | slice) -> list[object] | list[list[object]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += self._length
        if not self.first <= index < self._length:
            raise IndexError(f"row {index} is not in this file (rows {self.first} on)")
        chunk, at = divmod(index - self.first, CHUNK_ROWS)
        if chunk != self._chunk:
            self._rows, self._chunk = self._read(chunk), chunk
        return self._rows[at]

    def __iter__(self) -> Iterator[list[object]]:
        if self.first:
            raise IndexError(f"rows before {self.first} are not in this file")
        for chunk in range(len(self._offsets) - 1):
            yield from self._read(chunk)

    def _read(self, chunk: int) -> list[list[object]]:
        start, end = self._offsets[chunk], self._offsets[chunk + 1]
        # opened for each chunk: two processes reading one file share no offset
        with open(self.path, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
        if len(data) != end - start:
            raise OSError(f"{self.path} ends early: rows were lost")
        if not hmac.compare_digest(_sum(self._key, data), self._sums[chunk]):
            raise OSError(f"{self.path} is not the file this run wrote: not read")
        rows: list[list[object]] = pickle.loads(data)  # this run's own file, never a user's
        return rows


def spool_rows(rows: Sequence[list[object]], path: Path, first: int = 0) -> SpooledRows:
    """`rows[first:]` written to a new file at `path`, to be read back as `SpooledRows`."""
    offsets, sums, key = [], [], secrets.token_bytes(32)
    with open(path, "xb", opener=_private) as f:
        for chunk in _chunks(rows, first):
            data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
            offsets.append(f.tell())
            sums.append(_sum(key, data))
            f.write(data)
        offsets.append(f.tell())
    return SpooledRows(path, first, offsets, len(rows), key, sums)


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)  # the rows are the user's: readable by them alone


def _sum(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key, digest_size=32).digest()


def _chunks(rows: Sequence[list[object]], first: int) -> Iterable[list[list[object]]]:
    it = iter(rows) if first == 0 else (rows[i] for i in range(first, len(rows)))
    chunk: list[list[object]] = []
    for row in it:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
