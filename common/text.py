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


def clean_text(value: object) -> str:
    """Trim ordinary and full-width spaces and normalise line breaks."""
    if value is None:
        return ""
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").replace("\r\n", "\n")
    return "\n".join(line.strip() for line in text.strip().split("\n")).strip()


def split_names(value: object) -> list[str]:
    """Split a cell holding several unit or person names: ``商务局、卫生局``."""
    return [part.strip() for part in NAME_SEPARATORS.split(clean_text(value)) if part.strip()]


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
