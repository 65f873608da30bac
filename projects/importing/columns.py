"""The columns of the targets workbook: our keys, the names clerks give them,
and the order our own export and template use."""

from __future__ import annotations

import re

from common.text import squeeze, to_halfwidth

# key → names a clerk may type in the header row (compared without spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "项目序号", "编号", "项次"),
    "project": ("项目名称", "项目", "重点任务", "工作任务", "重点工作", "重点项目", "任务名称"),
    "category": ("类别", "项目类别", "项目类型"),
    "target": ("任务目标", "目标任务", "工作目标", "目标要求", "目标"),
    "measures": ("推进措施", "工作措施", "主要措施"),
    "guarantees": ("保障措施", "组织领导和政策保障", "组织领导、政策保障", "政策保障"),
    "subitem": ("小项", "子项目", "具体任务", "小项名称"),
    "description": ("小项内容", "具体内容", "工作内容"),
    "units": ("牵头单位", "责任单位", "配合单位", "协办单位"),
    "persons": ("责任人",),
    "mayor": ("分管市长", "分管领导", "分管副市长", "责任领导", "市级领导", "牵头领导", "联系领导"),
    "deadline": (
        "完成时限",
        "时间节点",
        "完成时间",
        "完成期限",
        "时限",
        "完成时间节点",
        "时限要求",
        "进度安排",
    ),
    "milestone": ("进度节点", "节点内容", "节点名称"),
    "indicator": ("考核指标", "量化指标", "细化量化指标"),
    "target_value": ("目标值", "指标值"),
    "measure": ("计量单位",),
}

# The columns our export and template write, with the header we give them.
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("number", "序号"),
    ("project", "项目名称"),
    ("category", "类别"),
    ("target", "任务目标"),
    ("measures", "推进措施"),
    ("guarantees", "保障措施"),
    ("subitem", "小项"),
    ("description", "小项内容"),
    ("units", "责任单位"),
    ("persons", "责任人"),
    ("mayor", "分管市长"),
    ("milestone", "进度节点"),
    ("deadline", "完成时限"),
    ("indicator", "考核指标"),
    ("target_value", "目标值"),
    ("measure", "计量单位"),
]

# key → the name our own export gives the column (shown when a user maps a column).
KEY_LABELS: dict[str, str] = {key: label for key, label in EXPORT_COLUMNS}

# Several unit columns are read as one list, lead unit first.
UNIT_COLUMN_ORDER = {name: i for i, name in enumerate(ALIASES["units"])}

# Columns that describe the project and are forward-filled over its rows.
PROJECT_KEYS = ("number", "project", "category", "target", "measures", "guarantees")

# Row-number column added in front of the normalised data set.
ROW_COLUMN = "行号"

_LOOKUP = {name: key for key, names in ALIASES.items() for name in names}


def normalise_header(value: object) -> str:
    """What a header cell says, without spaces, stars, numbering marks or a colon."""
    text = to_halfwidth(squeeze(value))
    text = text.strip("*※:：")
    return re.sub(r"[（(][^）)]*[）)]$", "", text)  # 完成时限（年月日） → 完成时限


def column_key(value: object) -> str | None:
    """The key a header cell names, or None when it is not one of ours."""
    text = normalise_header(value)
    return _LOOKUP.get(text) if text else None
