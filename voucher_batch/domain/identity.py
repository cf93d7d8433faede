"""Identities as people mean them (R15): one normalisation for names and Request IDs.

Person names (Requested By, Reviewer, `--reviewer`, `--operator`) and Request IDs compare by
`identity_key`: Unicode NFKC (full-width `ＲＥＱ－００１` is `REQ-001`), zero-width characters
dropped, any run of white space one space, trimmed, case-folded. The four-eyes rule (R10)
and the resend rule (R9) both use it, so spelling cannot dodge either. Control characters and
bidirectional overrides are refused in identifiers: they could make one name look like
another, or forge what a listing prints.
"""

from __future__ import annotations

import re
import unicodedata

# Unicode's default-ignorable code points (invisible in every font) and the blank-looking
# fillers: dropped, so `alice` and `alice` + U+2063 are one person.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200D), (0x2060, 0x2065), (0x206A, 0x206F),
    (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip
_IGNORABLE = {cp: None for low, high in _IGNORABLE_RANGES for cp in range(low, high + 1)}
_WHITE = re.compile(r"\s+")
# Bidirectional embeddings, overrides, isolates and marks: they reorder what is displayed.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def identity_key(text: str) -> str:
    """The form in which two spellings of one identity are equal."""
    if text.isascii():
        # The usual Request ID or login name, asked for once a row: ASCII is its own NFKC
        # form and holds no ignorable character, and `split()` breaks on the very white space
        # `\s` matches, so this is the line below without its Unicode passes.
        return " ".join(text.split()).casefold()
    text = unicodedata.normalize("NFKC", text).translate(_IGNORABLE)
    return _WHITE.sub(" ", text).strip().casefold()


def unsafe_character(text: str) -> str | None:
    """The first control or bidirectional-override character in `text`, as `U+XXXX`, if any.

    Tabs and line breaks count as control characters too: an identifier is one line.
    """
    for ch in text:
        if ch in _BIDI or unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def unsafe_identity_message(what: str, text: str) -> str | None:
    """A sentence refusing `text` as an identifier, or None when it is acceptable."""
    found = unsafe_character(text)
    if found is None:
        return None
    return (
        f"{what} contains the control or bidirectional character {found}; identifiers must be "
        "plain text (R15)"
    )


def printable(text: str) -> str:
    """`text` with control and bidirectional characters shown as `\\uXXXX`, so a value from a
    cell or a file name can never move the cursor, colour a terminal or forge a line."""
    if text.isprintable() and not any(ch in _BIDI for ch in text):
        return text
    return "".join(
        f"\\u{ord(ch):04x}" if ch in _BIDI or unicodedata.category(ch) == "Cc" else ch
        for ch in text
    )
