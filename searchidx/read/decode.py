"""Bytes to clean text: the decoder chain, line breaks, mojibake, NFC.

UTF-8 (BOM stripped) or UTF-16/32 with a BOM, else cp1252, else latin-1 (which
never fails); ``ftfy`` is imported only for the rare texts that look mis-decoded.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Any

from .rules import Rules

SNIFF = 8192
BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"\x7fELF", b"BZh", b"\xfd7zXZ", b"II*\x00", b"MM\x00*")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

# C0/C1 controls except tab and newline, lone surrogates, BOM and zero-width space.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\u200b]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")
# UTF-8 read as cp1252/latin-1: "Ã©", "Â°", "â€™", C1 controls. Only then is ftfy called.
_CP1252_HIGH = ("\x80-\xbf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
                "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039"
                "\u203a\u20ac\u2122")
_SUSPECT = re.compile(f"[ÂÃÅÐÑÎÏ][{_CP1252_HIGH}]|Ã |â€|[\x80-\x9f]")
_SUSPECT_START = re.compile("[ÂÃÅÐÑÎÏâ\x80-\x9f]")  # a one-class scan, 4x faster than _SUSPECT


def _a_grave_table() -> dict[str, str]:
    """Mojibake where "Ã" was later turned into "à" (SQuAD-it: "Amazà´nica" = Amazônica).

    ``à`` + the cp1252 reading of a UTF-8 continuation byte is the character
    ``C3 xx``. Continuation characters that also follow a real "à" (quotes,
    dashes, ellipsis, guillemets, degree, middle dot, soft hyphen, nbsp) are left
    out; "à" + nbsp is handled apart, only before a space or punctuation.
    """
    keep = {0x85, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0xA0, 0xAB, 0xAD, 0xB0, 0xB7, 0xBB}
    table = {}
    for byte in range(0x80, 0xC0):
        if byte in keep:
            continue
        seen = bytes([byte]).decode("cp1252", errors="replace")
        if seen == "\ufffd":
            seen = bytes([byte]).decode("latin-1")
        table[seen] = bytes([0xC3, byte]).decode("utf-8")
    return table


_A_GRAVE_FIX = _a_grave_table()
_A_GRAVE = re.compile(
    "à(?:([" + re.escape("".join(_A_GRAVE_FIX)) + "])|\xa0(?=[\\s.,;:!?)\\]»”’'\"]|$))")

_FTFY_CONFIG: Any = None
class Unreadable(Exception):
    """Bytes that are not text; the message becomes the ReadError's."""


def decode(data: bytes) -> tuple[str, str | None]:
    """Text and an optional warning: UTF-8 (BOM stripped), UTF-16/32 with BOM,
    else cp1252, else latin-1 (which never fails)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError:
                raise Unreadable(f"not valid {codec.upper()} text despite its byte-order mark") \
                    from None
    if looks_binary(data):
        raise Unreadable("looks like a binary file, not text; skipped")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("cp1252"), "decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "decoded as latin-1"


def looks_binary(data: bytes) -> bool:
    """An image, a PDF, an archive or a program: a known magic number, or a NUL early on."""
    return data.startswith(BINARY_MAGIC) or b"\x00" in data[:SNIFF]


def normalize(text: str, rules: Rules) -> str:
    """One line-break convention, mojibake repaired, no control characters, NFC."""
    if "\r" in text or "\u2028" in text or "\u2029" in text:
        text = _LINE_BREAKS.sub("\n", text)
    if rules.fix_mojibake:
        text = _repair_mojibake(text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _repair_mojibake(text: str) -> str:
    """The "à"-for-"Ã" variant by table, then ftfy for texts that still look mis-decoded."""
    if _A_GRAVE.search(text):
        text = _A_GRAVE.sub(lambda m: _A_GRAVE_FIX[m.group(1)] if m.group(1) else "à", text)
    if _SUSPECT_START.search(text) and _SUSPECT.search(text):
        global _FTFY_CONFIG
        import ftfy

        if _FTFY_CONFIG is None:
            # Only the encoding repairs: quotes, ligatures, widths, HTML and line
            # breaks are the text as written.
            _FTFY_CONFIG = ftfy.TextFixerConfig(
                unescape_html=False, uncurl_quotes=False, fix_latin_ligatures=False,
                fix_character_width=False, fix_line_breaks=False, explain=False)
        text = ftfy.fix_text(text, _FTFY_CONFIG)
    return text


