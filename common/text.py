"""Small text helpers shared by the importer, the admin and the demo loader."""

import re

# Separators clerks use between several names in one cell.
NAME_SEPARATORS = re.compile(r"[、，,;；/／\n\r]+")

CHINESE_NUMERALS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the two
# non-characters. XML (so XLSX) cannot hold them, PostgreSQL refuses NUL in
# text, and no clerk means them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Zero-width characters, the word joiner, the byte-order mark and the soft
# hyphen: invisible, so ``质监局\u200b`` would look like ``质监局``.
_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
# Bidirectional marks, embeddings, overrides and isolates: an RLO shows
# ``局监质`` as ``质监局``.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Excel's escape for a character XML cannot hold: ``_x0007_`` is BEL.
_EXCEL_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def strip_controls(text: str) -> str:
    """``text`` without control characters: what any XLSX cell can hold."""
    return _CONTROLS.sub("", text)


def has_bidi_controls(text: str) -> bool:
    return bool(BIDI_CONTROLS.search(text))


def strip_invisible(text: str, *, keep_bidi: bool = False) -> str:
    """``text`` without control, zero-width and (unless ``keep_bidi``, for a
    caller that refuses them) bidirectional characters."""
    text = _ZERO_WIDTH.sub("", _CONTROLS.sub("", text))
    return text if keep_bidi else BIDI_CONTROLS.sub("", text)


def decode_excel_escapes(text: str) -> str:
    """``_x0007_`` → BEL: Excel writes control characters so in a workbook (and
    openpyxl reads them back literally). Only escapes of characters
    :func:`strip_invisible` removes are decoded; ``_x0041_`` stays as typed."""

    def decode(m: re.Match) -> str:
        char = chr(int(m[1], 16))
        return char if strip_invisible(char) == "" else m[0]

    return _EXCEL_ESCAPE.sub(decode, text) if "_x" in text else text


def clean_text(value: object) -> str:
    """Trim ordinary and full-width spaces, normalise line breaks and drop
    invisible characters (controls, zero-width, bidirectional)."""
    if value is None:
        return ""
    text = (
        strip_invisible(str(value))
        .replace("\u3000", " ")
        .replace("\xa0", " ")
        .replace("\r\n", "\n")
    )
    return "\n".join(line.strip() for line in text.strip().split("\n")).strip()


def split_names(value: object) -> list[str]:
    """Split a cell holding several unit or person names: ``商务局、卫生局``; a
    separator inside brackets does not split (``王磊（局长、党组书记）``)."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in clean_text(value):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(depth - 1, 0)
        elif depth == 0 and NAME_SEPARATORS.fullmatch(ch):
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def chinese_to_int(text: str) -> int | None:
    """``十六`` → 16, ``二十`` → 20, ``三十三`` → 33, ``一百零二`` → 102; None if not a numeral."""
    if not text or any(ch not in CHINESE_NUMERALS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = CHINESE_NUMERALS[ch]
    return total + current


def parse_project_number(value: object) -> int | None:
    """``16``, ``16.0``, ``第16项``, ``十六``, ``第十六项`` → 16; None when unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value > 0 else None
    text = clean_text(value).replace(" ", "")
    text = re.sub(r"^第", "", text)
    text = re.sub(r"[项個个条]?[、.．]?$", "", text)
    if re.fullmatch(r"\d+", text):
        number = int(text)
        return number if number > 0 else None
    if re.fullmatch(r"\d+\.0+", text):
        return int(float(text)) or None
    return chinese_to_int(text) or None


# Full-width ASCII (Ａ-ｚ, ０-９, punctuation) that WPS and Chinese IMEs produce.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def to_halfwidth(value: str) -> str:
    """``２０１１年６月`` → ``2011年6月``; other characters unchanged."""
    return value.translate(_FULLWIDTH)


def squeeze(value: object) -> str:
    """Drop every kind of space and line break: ``项 目\u3000名称`` → ``项目名称``."""
    return re.sub(r"\s+", "", clean_text(value))
