"""R15: one normalisation for person names and Request IDs; unsafe characters refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucher_batch.domain.identity import identity_key, unsafe_character, unsafe_identity_message


@pytest.mark.parametrize(
    "spelling",
    [
        "REQ-001",
        "req-001",
        "  Req-001  ",
        "ＲＥＱ－００１",  # full-width letters, hyphen and digits
        "REQ\u200b-001",  # zero-width space inside
        "\ufeffREQ-001",  # byte-order mark in front
        "REQ-001\u00ad",  # soft hyphen
        "REQ-001\u2064",  # invisible plus
        "REQ\u2063-001",  # invisible separator
        "REQ-\u180e001",  # Mongolian vowel separator
        "R\u034fEQ-001",  # combining grapheme joiner
        "REQ-001\ufe0f",  # variation selector
        "\u3164REQ-001",  # Hangul filler
        "REQ-001\u2800",  # Braille blank
        "REQ-001\U000e0041",  # tag character
    ],
)
def test_spellings_of_one_request_id_compare_equal(spelling: str) -> None:
    assert identity_key(spelling) == identity_key("REQ-001")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ops.analyst", "Ops.Analyst"),
        ("Ops  Analyst", "ops analyst"),  # inner spaces collapse
        ("ops\u3000analyst", "ops analyst"),  # ideographic space
        ("ops\u00a0analyst", "OPS ANALYST"),  # non-breaking space
        ("Straße", "STRASSE"),  # case-folding, not lower()
    ],
)
def test_person_names_compare_as_people_mean_them(a: str, b: str) -> None:
    assert identity_key(a) == identity_key(b)


def test_different_identities_stay_different() -> None:
    assert identity_key("REQ-001") != identity_key("REQ-0001")
    assert identity_key("ops.analyst") != identity_key("ops.analyst2")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("reviewer\u202e.one", "U+202E"),  # right-to-left override
        ("\u2066ops\u2069", "U+2066"),  # isolates
        ("REQ\x07", "U+0007"),  # bell
        ("REQ\n001", "U+000A"),  # a line break would forge a listing line
        ("REQ\t001", "U+0009"),
        ("ops\u200fanalyst", "U+200F"),  # right-to-left mark
    ],
)
def test_control_and_bidi_characters_are_found(text: str, found: str) -> None:
    assert unsafe_character(text) == found
    message = unsafe_identity_message("Request ID", text)
    assert message is not None and found in message and "R15" in message


def test_plain_identities_in_any_script_are_safe() -> None:
    for text in ("ops.lead", "审核员一", "Ревьюер", "REQ-００１", "reviewer one"):
        assert unsafe_character(text) is None
        assert unsafe_identity_message("Reviewer", text) is None


def test_printable_shows_control_and_bidi_characters_as_escapes() -> None:
    from voucher_batch.domain.identity import printable

    assert printable("REQ-001 审核员") == "REQ-001 审核员"
    shown = printable("REQ\u202e1\n\x1b[31m")
    assert shown == "REQ\\u202e1\\u000a\\u001b[31m"
    assert shown.isprintable()


def _identity_key_by_the_rule(text: str) -> str:
    """R15 spelled out step by step, with no shortcut for ASCII text."""
    import re
    import unicodedata

    from voucher_batch.domain.identity import _IGNORABLE

    text = unicodedata.normalize("NFKC", text).translate(_IGNORABLE)
    return re.sub(r"\s+", " ", text).strip().casefold()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_the_ascii_shortcut_gives_the_key_of_the_rule(text: str) -> None:
    assert identity_key(text) == _identity_key_by_the_rule(text)


@pytest.mark.parametrize(
    "text", ["REQ-001", "  Req \t 001\n", "a\x1cb\x1fc", "\x0b\x0cREQ\r", "MiXeD  CaSe"]
)
def test_ascii_white_space_and_case_follow_the_rule(text: str) -> None:
    assert identity_key(text) == _identity_key_by_the_rule(text)
