"""The typed JSON encoding of kept cell values: every value comes back equal and of its type."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone

import pytest

from voucher_batch.ledger.kept import decode_values, encode_values

VALUES: list[object] = [
    None,
    "",
    'text with ünïcode, a "quote" and a\nnewline',
    '{"f": "1.0"}',  # text that looks like a tagged value stays text
    0,
    -7,
    2**70,  # beyond 64 bits
    True,
    False,
    1.0,  # a whole-number float is not the int 1
    -0.0,
    0.1,
    1e308,
    5e-324,
    math.inf,
    -math.inf,
    date(2026, 11, 2),
    datetime(2026, 11, 2, 9, 30, 15, 123456),
    datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    time(9, 15, 0, 5),
    timedelta(days=2, seconds=3, microseconds=4),
    timedelta(days=-1),
]


def test_values_round_trip_with_their_types() -> None:
    back = decode_values(encode_values(VALUES))
    assert len(back) == len(VALUES)
    for original, decoded in zip(VALUES, back, strict=True):
        assert type(decoded) is type(original), (original, decoded)
        assert decoded == original
    [negative_zero] = decode_values(encode_values([-0.0]))
    assert math.copysign(1.0, negative_zero) == -1.0  # type: ignore[arg-type]


def test_not_a_number_round_trips() -> None:
    [back] = decode_values(encode_values([math.nan]))
    assert isinstance(back, float) and math.isnan(back)


def test_the_encoding_is_standard_json() -> None:
    import json

    text = encode_values([*VALUES, math.nan])
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))


def test_the_row_encoding_is_the_text_of_one_json_encoder() -> None:
    """`encode_values` writes text, whole numbers and None itself: the stored text must stay
    what the JSON encoder writes for the same tagged values, so kept rows read back alike."""
    import json
    from enum import IntEnum, StrEnum

    from voucher_batch.ledger.kept import encode_value

    class Word(StrEnum):
        A = "a\u00e9\n"

    class Number(IntEnum):
        ONE = 1

    class Moment(datetime):  # as a reader's own time stamp type may be
        def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
            return super().isoformat(" ")

    class Ratio(float):
        pass

    reference = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    values: list[object] = [
        *VALUES,
        math.nan,
        Word.A,
        Number.ONE,
        Moment(2026, 11, 2, 9, 30),
        Ratio(0.5),
        "\x00\x1f\x7f\u2028\u2029 \\ / \t",
        "审核员 😀",
        [],
    ]
    for row in ([], [None], values, values[::-1]):
        assert encode_values(row) == reference.encode([encode_value(v) for v in row])
