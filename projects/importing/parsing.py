"""Reading single cells: deadlines, amounts and names, as clerks type them.

Pure functions of a cell value (and the plan year); they return a value or
raise :class:`CellError` with the Chinese message shown to the user.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from common.text import (
    chinese_to_int,
    clean_text,
    has_bidi_controls,
    split_names,
    squeeze,
    to_halfwidth,
)
from projects.models import Category


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


def cell_date(value: object) -> dt.date | None:
    """A date cell's value as a date (openpyxl and xlrd give datetimes)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


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
    text = _normalise(original)
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


@dataclasses.dataclass(frozen=True)
class Deadline:
    """One milestone's dates read from a deadline cell. ``period`` names the
    period of a recurring deadline (``第一季度``, ``3月``, ``上半年``): each
    milestone of ``每季度末`` is named after its quarter."""

    due: dt.date
    start: dt.date | None = None
    period: str = ""


_QUARTERS = [("第一季度", 3), ("第二季度", 6), ("第三季度", 9), ("第四季度", 12)]
_HALVES = [("上半年", 6), ("下半年", 12)]
_EVERY_QUARTER = re.compile(r"^每(?:个)?季度?(?:末|底|最后一个月)?$")
_EVERY_HALF = re.compile(r"^每半年(?:末|底)?$")
_EVERY_MONTH_END = re.compile(r"^每(?:个)?月(?:末|底)?$")
_EVERY_MONTH_DAY = re.compile(r"^每(?:个)?月(\d{1,2})[日号]$")
# Between the two ends of a range: 3月至6月, 3—6月, 2012.3-2012.6, 3月~6月.
_RANGE_SEPARATOR = re.compile(r"至|到|~|—+|–|-")
_BARE_MONTH = re.compile(r"^(?:(\d{4})年)?(\d{1,2})$")


def parse_deadlines(value: object, year: int) -> list[Deadline]:
    """A deadline cell as the milestones it stands for; [] when it is empty.

    One date (see :func:`parse_deadline`); a range (``2012年3月至6月``,
    ``3—6月``, ``3月-6月``, ``2012.3-2012.6``, ``3月1日至6月30日``): one
    milestone starting on the first day and due on the last; a recurring
    deadline (``每季度末``, ``每月25日前``, ``每月底``, ``每半年``): one
    milestone per period of ``year``.
    """
    try:
        due = parse_deadline(value, year)
    except CellError as error:
        if not isinstance(value, str):
            raise
        text = _normalise(squeeze(value))
        found = _recurring(text, year) or _range(text, year)
        if not found:
            raise error
        return found
    return [Deadline(due)] if due is not None else []


def _normalise(original: str) -> str:
    text = to_halfwidth(original)
    text = _CN_NUMBER.sub(lambda m: str(chinese_to_int(m.group()) or m.group()), text)
    return _SUFFIX.sub("", _PREFIX.sub("", text))


def _recurring(text: str, year: int) -> list[Deadline]:
    if _EVERY_QUARTER.match(text):
        return [Deadline(_make(year, month, None, text), period=p) for p, month in _QUARTERS]
    if _EVERY_HALF.match(text):
        return [Deadline(_make(year, month, None, text), period=p) for p, month in _HALVES]
    if _EVERY_MONTH_END.match(text):
        return [Deadline(_make(year, m, None, text), period=f"{m}月") for m in range(1, 13)]
    if m := _EVERY_MONTH_DAY.match(text):
        day = int(m[1])
        if not 1 <= day <= 31:
            raise _unknown(text)
        return [
            Deadline(
                dt.date(year, month, min(day, calendar.monthrange(year, month)[1])),
                period=f"{month}月",
            )
            for month in range(1, 13)
        ]
    return []


def _range(text: str, year: int) -> list[Deadline]:
    for sep in _RANGE_SEPARATOR.finditer(text):
        left, right = text[: sep.start()], text[sep.end() :]
        if not left or not right:
            continue
        # 3—6月: the month sign is written once, after the second number.
        if _BARE_MONTH.match(left) and not _BARE_MONTH.match(right):
            left += "月"
        if _BARE_MONTH.match(right) and "月" in left:
            right += "月"
        first = _span(left, year)
        if first is None:
            continue
        last = _span(right, first[0].year)
        if last is None:
            continue
        start, due = first[0], last[1]
        for day in (start, due):
            if day.year != year:
                raise CellError(
                    _("日期 %(date)s 不在 %(year)s 年度内")
                    % {"date": day.isoformat(), "year": year}
                )
        if start > due:
            raise CellError(_("时间段“%(text)s”的开始晚于结束") % {"text": text})
        return [Deadline(due, start=start)]
    return []


def _span(text: str, year: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day ``text`` (one end of a range) stands for."""
    try:
        if m := _FULL_DATE.match(text):
            day = _make(int(m[1]), int(m[2]), int(m[3]), text)
            return day, day
        if m := _MONTH_DAY.match(text):
            day = _make(year, int(m[1]), int(m[2]), text)
            return day, day
        if m := _YEAR_MONTH.match(text):
            y = int(m[1]) if m[1] else year
            end = {"上旬": 10, "中旬": 20}.get(m[3] or "")
            return _make(y, int(m[2]), 1, text), _make(y, int(m[2]), end, text)
        if m := _YEAR_MONTH_DASH.match(text):
            y, month = int(m[1]), int(m[2])
            return _make(y, month, 1, text), _make(y, month, None, text)
    except CellError:
        return None
    return None


def deadline_label(value: object) -> str:
    """How a deadline reads in a derived milestone name: ``6月底前`` or ``6月30日``."""
    found = cell_date(value)
    if found is not None:
        return f"{found.month}月{found.day}日"
    return squeeze(value) if isinstance(value, str) else str(value)


_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)(.*)$")
# What may follow the number: a unit of measure (个, %, 万元, 千克), never a
# digit, a range sign, an exponent or a bare magnitude (5万 is 50,000, not 5 of
# the unit 万).
_MEASURE = re.compile(r"^(?!(?:[万亿千百十]+|[eE.．].*)$)[^\d\-—–~至到]*$")


def parse_amount(value: object) -> tuple[Decimal | None, str]:
    """A target value: ``13``, ``13.5``, ``1,000``, ``13个`` or ``95%`` → (number,
    unit from the text). One exact number only: a range (``5-10个``), a bound
    (``≥95%``), an estimate (``约100``), a magnitude (``5万``) or an exponent
    (``1e5``) is refused, not cut to its first digits."""
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
        if not re.search(r"\d", text):
            raise CellError(_("无法识别的数值“%(text)s”") % {"text": squeeze(value)})
        if not m or not _MEASURE.match(m[2]):
            raise CellError(
                _(
                    "目标值“%(text)s”不是一个确定的数字：请只填一个数字（可带单位，如 95%%、13个），"
                    "范围、约数、“≥”“万”等写进考核指标名称"
                )
                % {"text": squeeze(value)}
            )
        try:
            number = Decimal(m[1])
        except InvalidOperation as exc:
            raise CellError(_("无法识别的数值“%(text)s”") % {"text": squeeze(value)}) from exc
        unit = m[2]
    if not number.is_finite():
        raise CellError(_("目标值应为数字"))
    if number < 0:
        raise CellError(_("目标值不能为负数"))
    if number >= Decimal("1e12"):
        raise CellError(_("目标值过大"))
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), unit


# A date where a name should be: 2011-05-31, 2011/5/31 0:00, 2011年5月31日.
_DATE_TEXT = re.compile(
    r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)


def check_name_cell(value: object) -> None:
    """Refuse a cell of a name column (责任单位, 责任人, 分管市长) that holds no
    name: a date or a number (a column shifted, or Excel took 5-31 for a date),
    or bidirectional controls, which can make one name look like another."""
    if isinstance(value, dt.date | dt.time):
        shown = value.isoformat()
        if isinstance(value, dt.datetime):
            shown = value.date().isoformat() if value.time() == dt.time() else str(value)
        raise CellError(_("“%(text)s”是日期，不是名称，请检查是否填错了列") % {"text": shown})
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            _("“%(text)s”是数字，不是名称，请检查是否填错了列") % {"text": f"{value:g}"}
        )
    if not isinstance(value, str):
        return
    if has_bidi_controls(value):
        raise CellError(
            _("名称中含有改变文字方向的控制字符（会让名称显示成另一个样子），请删除后重新输入")
        )
    text = clean_text(value)
    for part in [text, *split_names(text)]:
        if _DATE_TEXT.match(to_halfwidth(part)):
            raise CellError(_("“%(text)s”是日期，不是名称，请检查是否填错了列") % {"text": part})
    if text and all(re.fullmatch(r"[\d.]+", part) for part in split_names(text)):
        raise CellError(_("“%(text)s”是数字，不是名称，请检查是否填错了列") % {"text": text})


_TRAILING_NOTE = re.compile(r"^(.+?)[（(]([^（）()]*)[）)]$")
_TITLE_WORD = re.compile(
    r"(局长|主任|书记|部长|处长|科长|主席|院长|所长|站长|队长|经理|县长|镇长|区长|市长|秘书长|委员|组长|校长|行长|馆长|会长|社长|厂长)$"
)


def person_name(text: str) -> tuple[str, str]:
    """A 责任人 as (name, title): ``王磊（局长）``, ``王磊(局长)`` and
    ``王磊 局长`` are 王磊, title 局长; ``王磊`` has no title."""
    text = clean_text(text)
    if m := _TRAILING_NOTE.match(text):
        return squeeze(m[1]), squeeze(m[2])
    parts = text.split()
    if len(parts) == 2 and len(parts[0]) >= 2 and _TITLE_WORD.search(parts[1]):
        return parts[0], parts[1]
    return squeeze(text), ""


_MAYOR_TITLE = re.compile(r"(常务)?副?市长$")


def mayor_name(name: str) -> str:
    """``王世和副市长`` → ``王世和``."""
    stripped = _MAYOR_TITLE.sub("", name)
    return stripped if len(stripped) >= 2 else name


def mayor_and_title(text: str) -> tuple[str, str]:
    """A 分管市长 as (name, title): ``李强（常务副市长）`` → 李强, 常务副市长;
    ``王世和副市长`` → 王世和, 副市长; ``李强`` → 李强, ""."""
    name, title = person_name(text)
    if not title:
        stripped = mayor_name(name)
        title = name[len(stripped) :]
        name = stripped
    return mayor_name(name), title


# A unit's bracket that marks it as the lead unit or as a helper, not part of its name.
LEAD_MARKS = frozenset({"牵头", "牵头单位", "牵头部门", "主办", "主责", "负责", "总牵头"})
HELPER_MARKS = frozenset({"配合", "配合单位", "配合部门", "协办", "参与", "协助", "责任单位"})
_ORG_SUFFIX = re.compile(
    r"(局|委|办|院|所|会|中心|公司|站|队|部|厅|处|室|政府|集团|行|社|馆|校|园|区|镇|街道|台|团)$"
)


@dataclasses.dataclass(frozen=True)
class UnitName:
    """A unit as typed in a 责任单位 cell: its name, the other name it was given
    in brackets (its full name), and whether the brackets mark it as the lead."""

    name: str
    full_name: str = ""
    lead: bool = False


def unit_name(text: str) -> UnitName:
    """``市质监局（牵头）`` → 市质监局, the lead unit; ``质监局（配合）`` →
    质监局; ``质监局（诸城市质量技术监督局）`` or the other way round → 质监局
    with the full name 诸城市质量技术监督局 (the shorter is the name). Any
    other bracket is refused: the importer will not make a unit named with it."""
    name, full, lead = squeeze(text), "", False
    while m := _TRAILING_NOTE.match(name):
        outside, note = m[1], m[2]
        if note in LEAD_MARKS:
            lead = True
        elif note in HELPER_MARKS:
            pass
        elif _ORG_SUFFIX.search(note) and not full:
            full = note
        else:
            raise CellError(
                _(
                    "单位“%(text)s”括号中的“%(note)s”无法理解：括号里只能写“牵头”“配合”或单位的全称（或简称）"
                )
                % {"text": squeeze(text), "note": note}
            )
        name = outside
    if full and len(full) < len(name):
        name, full = full, name
    return UnitName(name, full if full != name else "", lead)


# How clerks number sub-items: 1-1 / 16-2, （1） / (一), 1、 / 1. / 1）, 一是 / 一、.
_SUBITEM_NUMBER = re.compile(
    r"^(?:\d+\s*[-－—]\s*\d+(?![\d.．%])\s*"
    r"|\d+[.．]\d+\s+"
    r"|[（(]\s*(?:\d+|[一二三四五六七八九十]+)\s*[）)]\s*"
    r"|\d+\s*[、)）]\s*"
    r"|\d+\s*[.．](?![\d%])\s*"
    r"|[一二三四五六七八九十]+\s*(?:是|[、.．])\s*)"
)


def strip_subitem_number(name: str) -> str:
    """``1-1 争创中国名牌``, ``（1）争创…``, ``1、争创…``, ``一是争创…`` →
    ``争创中国名牌``: the number is ours to add (``16-1``), so it is taken off
    once; a name that is nothing but a number is kept."""
    stripped = _SUBITEM_NUMBER.sub("", name, count=1)
    return stripped if stripped.strip() else name


# Words that say which category a section title or 类别 cell means, besides its
# label. A text matching several categories equally is not guessed.
_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    Category.PRODUCT: ("产品", "质量安全", "食品", "药品", "农产品", "工业品", "特种设备"),
    Category.ENGINEERING: ("工程", "建筑", "建设", "施工", "住宅", "道路"),
    Category.SERVICE: ("服务", "窗口", "旅游", "商贸", "医疗"),
    Category.ENVIRONMENT: ("环境", "生态", "环保", "空气", "水质", "污染", "减排", "绿化"),
    Category.FOUNDATION: ("基础", "标准", "计量", "认证", "检验", "检测"),
    Category.BRAND: ("品牌", "名牌", "商标", "驰名", "著名"),
    Category.OTHER: ("其他", "其它"),
}
_SECTION_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+|\d+)[、.．]")
_COUNT_NOTE = re.compile(r"[（(][^（）()]*[）)]$")


def category_by_meaning(text: object) -> str | None:
    """The category (its value) a 类别 cell or section title means, or None.

    ``产品质量``, ``product`` → product; ``四、环境质量`` and ``环境质量（3项）``
    → environment (the label contains it); ``质量安全`` → product, ``名牌``
    → brand (by the words above); ``质量`` or ``质量与服务品牌`` (no single
    best) → None.
    """
    word = squeeze(text)
    word = _COUNT_NOTE.sub("", _SECTION_NUMBER.sub("", to_halfwidth(word)))
    if not word:
        return None
    for category in Category:
        label = str(category.label)
        if word in (label, category.value) or label in word:
            return category.value
    within = [c.value for c in Category if len(word) >= 2 and word in str(c.label)]
    if len(within) == 1:
        return within[0]
    scores = {
        value: sum(len(w) for w in words if w in word) for value, words in _CATEGORY_WORDS.items()
    }
    best = max(scores.values())
    winners = [value for value, score in scores.items() if score == best]
    return winners[0] if best and len(winners) == 1 else None


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
