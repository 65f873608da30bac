"""Reading single cells: deadlines, amounts and names, as clerks type them.

Pure functions of a cell value (and the plan year); they return a value or
raise :class:`CellError` with the Chinese message shown to the user.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from common.text import chinese_to_int, clean_text, split_names, squeeze, to_halfwidth
from projects.importing.workbook import cell_date


class CellError(ValueError):
    """A cell that cannot be read; ``str()`` is the message for the user."""


# Excel serial numbers of 2000-01-01 and 2100-12-31: a bare number in a date
# column within this range is a date Excel lost the format of.
_SERIAL_MIN, _SERIAL_MAX = 36526, 73415
_EXCEL_EPOCH = dt.date(1899, 12, 30)

_PERIODS = {
    "上半年": (6, 30),
    "年中": (6, 30),
    "下半年": (12, 31),
    "年底": (12, 31),
    "年末": (12, 31),
    "全年": (12, 31),
    "年内": (12, 31),
    "本年度": (12, 31),
    "年度内": (12, 31),
    "一季度": (3, 31),
    "二季度": (6, 30),
    "三季度": (9, 30),
    "四季度": (12, 31),
}
_QUARTER_DIGITS = {"1": "一", "2": "二", "3": "三", "4": "四"}

# Words around a date that do not change it: 于…前完成, 截至…, …以前.
_PREFIX = re.compile(r"^(截至|截止|截止到|截止于|于|在|到)")
_SUFFIX = re.compile(r"(之前|以前|前|完成|为止|止)+$")

_FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_YEAR_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(份|底|末|下旬|中旬|上旬)?$")
_YEAR_MONTH_DASH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})[日号]$")
_YEAR_PERIOD = re.compile(r"^(?:(\d{4})年)?(?:第)?(.+)$")
_CN_NUMBER = re.compile(r"[〇零一二两三四五六七八九十]+(?=月|日|号)")


def _unknown(text: str) -> CellError:
    return CellError(_("无法识别的日期“%(text)s”") % {"text": text})


def _make(year: int, month: int, day: int | None, text: str) -> dt.date:
    if not 1 <= month <= 12:
        raise _unknown(text)
    last = calendar.monthrange(year, month)[1]
    if day is None:
        day = last
    if not 1 <= day <= last:
        raise _unknown(text)
    return dt.date(year, month, day)


def parse_deadline(value: object, year: int) -> dt.date | None:
    """A deadline cell as a date in ``year``; None when the cell is empty.

    Accepts real dates, Excel serials, ``2011-08-31``, ``2011年9月30日``,
    ``2011年10月底``, ``6月底前``, ``6月30日前``, ``上半年``, ``第三季度``,
    ``年底``, ``全年`` (with full-width digits and Chinese numerals too).
    """
    found = cell_date(value)
    if found is None and isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            found = _EXCEL_EPOCH + dt.timedelta(days=int(value))
        else:
            raise _unknown(f"{value:g}")
    if found is None:
        text = squeeze(value)
        if not text:
            return None
        found = _parse_text(text, year)
    if found.year != year:
        raise CellError(
            _("日期 %(date)s 不在 %(year)s 年度内") % {"date": found.isoformat(), "year": year}
        )
    return found


def _parse_text(original: str, year: int) -> dt.date:
    text = to_halfwidth(original)
    text = _CN_NUMBER.sub(lambda m: str(chinese_to_int(m.group()) or m.group()), text)
    text = _SUFFIX.sub("", _PREFIX.sub("", text))
    if m := _FULL_DATE.match(text):
        return _make(int(m[1]), int(m[2]), int(m[3]), original)
    if m := _MONTH_DAY.match(text):
        return _make(year, int(m[1]), int(m[2]), original)
    if m := _YEAR_MONTH.match(text):
        day = {"上旬": 10, "中旬": 20}.get(m[3] or "")
        return _make(int(m[1]) if m[1] else year, int(m[2]), day, original)
    if m := _YEAR_MONTH_DASH.match(text):
        return _make(int(m[1]), int(m[2]), None, original)
    if m := _YEAR_PERIOD.match(text):
        period = m[2]
        period = re.sub(r"^([1-4])季度", lambda q: _QUARTER_DIGITS[q[1]] + "季度", period)
        period = re.sub(r"季度[末底]$", "季度", period.replace("第", ""))
        if period not in _PERIODS and m[1]:
            period = "年" + period  # 2011年底
        if period in _PERIODS:
            month, day = _PERIODS[period]
            return dt.date(int(m[1]) if m[1] else year, month, day)
    raise _unknown(original)


def deadline_label(value: object) -> str:
    """How a deadline reads in a derived milestone name: ``6月底前`` or ``6月30日``."""
    found = cell_date(value)
    if found is not None:
        return f"{found.month}月{found.day}日"
    return squeeze(value) if isinstance(value, str) else str(value)


_AMOUNT = re.compile(r"^[≥>≤<约不少于低于高于达到]*\s*(\d+(?:\.\d+)?)\s*(.*)$")


def parse_amount(value: object) -> tuple[Decimal | None, str]:
    """A target value: ``13``, ``13.5``, ``13个`` or ``95%`` → (number, unit from the text)."""
    if value is None:
        return None, ""
    if isinstance(value, bool | dt.date | dt.time):
        raise CellError(_("目标值应为数字"))
    if isinstance(value, int | float):
        number, unit = Decimal(repr(value)), ""
    else:
        text = to_halfwidth(squeeze(value)).replace(",", "")
        if not text:
            return None, ""
        m = _AMOUNT.match(text)
        if not m:
            raise CellError(_("无法识别的数值“%(text)s”") % {"text": squeeze(value)})
        try:
            number = Decimal(m[1])
        except InvalidOperation as exc:
            raise CellError(_("无法识别的数值“%(text)s”") % {"text": squeeze(value)}) from exc
        unit = m[2]
    if number < 0:
        raise CellError(_("目标值不能为负数"))
    if number >= Decimal("1e12"):
        raise CellError(_("目标值过大"))
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), unit


def names(value: object) -> list[str]:
    """Unit or person names in one cell, spaces inside names removed (``王  磊``)."""
    seen: list[str] = []
    for name in split_names(value):
        name = squeeze(name)
        if name and name not in seen:
            seen.append(name)
    return seen


_MAYOR_TITLE = re.compile(r"(常务)?副?市长$")


def mayor_name(name: str) -> str:
    """``王世和副市长`` → ``王世和``."""
    stripped = _MAYOR_TITLE.sub("", name)
    return stripped if len(stripped) >= 2 else name


def one_line(value: object) -> str:
    """A name typed with line breaks to fit the cell: the lines joined."""
    return "".join(clean_text(value).split("\n")) if value is not None else ""


def text_block(value: object) -> str:
    """A long text (task target, measures), line breaks kept."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)
