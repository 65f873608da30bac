"""From the normalised table to what the year should look like.

``plan_targets(dataset, year)`` reads every row, collects every problem with
its Excel row and column, and groups the rows into projects, sub-items,
milestones and indicators. It touches no database: the diff against what is
stored is :mod:`projects.importing.apply`'s job.

Grouping rules (the clerk's layout):

- a row whose 序号/项目名称 differ from the row above starts a new project;
- rows with the same 小项 name inside a project are one sub-item;
- a row without a 小项 belongs to the project itself (its deadline becomes a
  milestone of the project, reported by the row's first unit or the lead unit);
- the units of all the project's rows, in order, are the project's units, the
  first one the lead unit; persons pair with units in order;
- a sub-item's unit and person are the first of its row;
- each deadline is one milestone, named by the 进度节点 column or, when that
  is empty, after the sub-item (plus the deadline when it has several).

Reading cells as the clerk meant them (:mod:`projects.importing.parsing`):

- invisible characters (controls, NUL, zero-width, BOM, also as Excel's
  ``_x0007_``) are dropped from every cell when the sheet is read; a name
  (unit, person, vice-mayor) holding a bidirectional control is refused, other
  text loses them;
- a date or a number in a name column is refused, never taken as a name;
- ``王磊（局长）`` / ``王磊 局长``: person 王磊 with the title 局长 (a new
  person gets it; a known one is matched by name and left as stored); the
  same for vice-mayors (``李强（常务副市长）``, ``王世和副市长``);
- a unit's brackets: ``（牵头）`` makes it the lead unit (first, with the
  person typed beside it), ``（配合）`` and the like are dropped, a unit name
  in brackets is the same unit's other name (the shorter one is its name, the
  longer its full name, used to match a known unit and stored on a new one);
  anything else in brackets is refused;
- a deadline range (``3月至6月``) is one milestone with a start date; a
  recurring one (``每季度末``, ``每月25日前``, ``每月底``, ``每半年``) is one
  milestone per period, named after it (``…（第一季度）``);
- a sub-item's own numbering (``1-1``, ``（1）``, ``1、``, ``一是``) is taken
  off once: the number is ours to show (``16-1 …``);
- a category (cell or section row) is matched by meaning
  (:func:`~projects.importing.parsing.category_by_meaning`);
- a target value is one exact number, perhaps with a unit (``95%``,
  ``13个``, ``1,000``, ``500万元``); ranges, bounds, estimates, ``5万`` and
  ``1e5`` are refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import tablib
from django.utils.translation import gettext as _

from common.text import clean_text, parse_project_number, split_names, squeeze
from projects.importing.columns import column_key
from projects.importing.parsing import (
    CellError,
    UnitName,
    category_by_meaning,
    check_name_cell,
    deadline_label,
    mayor_and_title,
    one_line,
    parse_amount,
    parse_deadlines,
    person_name,
    strip_subitem_number,
    text_block,
    unit_name,
)
from projects.importing.results import RowError
from projects.importing.workbook import unit_column_order
from projects.models import Category, Indicator, Milestone, Project, SubItem
from responsibility.models import Person, Unit, ViceMayor


@dataclasses.dataclass
class MilestoneSpec:
    name: str
    due: dt.date
    unit: str
    row: int
    start: dt.date | None = None


# A milestone without a 进度节点 name, named once its owner's are all read:
# (label, due, unit, row, start).
Derived = tuple[str, dt.date, str, int, dt.date | None]


@dataclasses.dataclass
class IndicatorSpec:
    name: str
    target: Decimal | None
    measure: str
    row: int


@dataclasses.dataclass
class SubItemSpec:
    name: str
    unit: str
    person: str | None
    mayor: str | None
    description: str
    row: int
    milestones: list[MilestoneSpec] = dataclasses.field(default_factory=list)
    indicators: list[IndicatorSpec] = dataclasses.field(default_factory=list)
    derived: list[Derived] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ProjectSpec:
    number: int
    name: str
    row: int
    category: str | None = None
    target: str = ""
    measures: str = ""
    guarantees: str = ""
    mayor: str | None = None
    units: list[tuple[str, str | None]] = dataclasses.field(default_factory=list)
    subitems: list[SubItemSpec] = dataclasses.field(default_factory=list)
    milestones: list[MilestoneSpec] = dataclasses.field(default_factory=list)
    indicators: list[IndicatorSpec] = dataclasses.field(default_factory=list)
    derived: list[Derived] = dataclasses.field(default_factory=list)

    @property
    def lead_unit(self) -> str | None:
        return self.units[0][0] if self.units else None


@dataclasses.dataclass
class TargetsPlan:
    year: int
    title: str
    columns: set[str]
    projects: list[ProjectSpec]
    errors: list[RowError]
    rows: int
    # What the workbook says about names beyond the name itself: a unit's full
    # name given in brackets, a person's or vice-mayor's title (王磊（局长）).
    unit_full_names: dict[str, str] = dataclasses.field(default_factory=dict)
    person_titles: dict[str, str] = dataclasses.field(default_factory=dict)
    mayor_titles: dict[str, str] = dataclasses.field(default_factory=dict)


# Written in a 责任人 cell to keep the pairing when a unit has no person: 质监局、经信局 / —、刘志刚.
NO_PERSON = {"—", "－", "-", "无", "——"}


def _max(model, field: str) -> int:
    return model._meta.get_field(field).max_length


class _Reader:
    """Reads one row's cells by key, recording problems against its row number."""

    def __init__(
        self, headers: list[str], errors: list[RowError], keys: list[str | None] | None = None
    ):
        self.errors = errors
        self.index: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        unit_cols = []
        for i, label in enumerate(headers):
            if i == 0:
                continue
            key = keys[i] if keys is not None else column_key(label)
            if key == "units":
                unit_cols.append((unit_column_order(label), i, label))
            elif key and key not in self.index:
                self.index[key] = i
                self.labels[key] = label
        self.unit_cols = [i for _, i, _ in sorted(unit_cols)]
        if unit_cols:
            self.labels["units"] = sorted(unit_cols)[0][2]
        self.headers = headers
        self.row = 0
        self.values: tuple = ()
        self.unit_full_names: dict[str, str] = {}
        self.person_titles: dict[str, str] = {}
        self.mayor_titles: dict[str, str] = {}

    @property
    def columns(self) -> set[str]:
        return set(self.index) | ({"units"} if self.unit_cols else set())

    def raw(self, key: str) -> object:
        i = self.index.get(key)
        return None if i is None else self.values[i]

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.row, self.labels.get(key, ""), message))

    def name_cell(self, i: int | None) -> object:
        """Column ``i``'s value if it can hold names, else None (error recorded)."""
        if i is None:
            return None
        try:
            check_name_cell(self.values[i])
        except CellError as exc:
            self.errors.append(RowError(self.row, self.headers[i], str(exc)))
            return None
        return self.values[i]

    def name(self, key: str, model, field: str) -> str:
        text = one_line(self.raw(key))
        limit = _max(model, field)
        if len(text) > limit:
            self.error(
                key, _("内容过长（%(n)d 个字，最多 %(max)d 个字）") % {"n": len(text), "max": limit}
            )
            return text[:limit]
        return text

    def units(self) -> tuple[list[str], str | None]:
        """The row's units in order, and the one marked 牵头 (None if none is)."""
        found: list[str] = []
        lead = None
        for i in self.unit_cols:
            value = self.name_cell(i)
            if value is None and clean_text(self.values[i]):
                # Refused (a date, say); a placeholder keeps the row from also
                # "missing a unit". The error stops the import before any write.
                found.append(clean_text(self.values[i]))
            for part in split_names(value):
                try:
                    unit = unit_name(part)
                except CellError as exc:
                    self.errors.append(RowError(self.row, self.headers[i], str(exc)))
                    # Kept as typed so that the row is not also "missing a unit";
                    # the error stops the import before any unit is made.
                    unit = UnitName(squeeze(part))
                if not unit.name:
                    continue
                if len(unit.name) > _max(Unit, "name"):
                    self.error("units", _("单位名称“%(name)s”过长") % {"name": unit.name})
                if unit.full_name and len(unit.full_name) <= _max(Unit, "full_name"):
                    self.unit_full_names.setdefault(unit.name, unit.full_name)
                if unit.lead and lead is None:
                    lead = unit.name
                if unit.name not in found:
                    found.append(unit.name)
        return found, lead

    def persons(self, units: list[str]) -> list[str | None]:
        persons: list[str | None] = []
        for part in split_names(self.name_cell(self.index.get("persons"))):
            if squeeze(part) in NO_PERSON:
                persons.append(None)
                continue
            name, title = person_name(part)
            if len(name) > _max(Person, "name"):
                self.error("persons", _("姓名“%(name)s”过长") % {"name": name})
            if title and len(title) <= _max(Person, "title"):
                self.person_titles.setdefault(name, title)
            persons.append(name)
        if len(persons) > len(units):
            self.error(
                "persons",
                _("责任人（%(p)d 人）比责任单位（%(u)d 个）多，无法一一对应")
                % {"p": len(persons), "u": len(units)},
            )
        return persons + [None] * (len(units) - len(persons))

    def mayor(self) -> str | None:
        found = split_names(self.name_cell(self.index.get("mayor")))
        if len(found) > 1:
            self.error("mayor", _("只能填写一位分管市长，这里有 %(n)d 位") % {"n": len(found)})
        if not found:
            return None
        name, title = mayor_and_title(found[0])
        if len(name) > _max(ViceMayor, "name"):
            self.error("mayor", _("姓名“%(name)s”过长") % {"name": name})
        if title and len(title) <= _max(ViceMayor, "title"):
            self.mayor_titles.setdefault(name, title)
        return name


def plan_targets(
    dataset: tablib.Dataset, year: int, keys: list[str | None] | None = None
) -> TargetsPlan:
    """Read the normalised table into project specs; problems go to ``errors``."""
    errors: list[RowError] = []
    reader = _Reader(list(dataset.headers or []), errors, keys)
    columns = reader.columns
    if "project" not in columns:
        errors.append(RowError(None, "", _("表格中没有“项目名称”列。")))
        return TargetsPlan(year, dataset.title or "", columns, [], errors, 0)

    projects: list[ProjectSpec] = []
    by_number: dict[int, ProjectSpec] = {}
    current: ProjectSpec | None = None
    current_key: tuple | None = None
    rows = 0
    for values in dataset:
        rows += 1
        reader.values = values
        reader.row = int(values[0])
        number_raw = reader.raw("number")
        name = reader.name("project", Project, "name")
        key = (clean_text(number_raw), name)
        if current is None or (key != current_key and (name or clean_text(number_raw))):
            current_key = key
            current = _start_project(reader, name, number_raw, len(projects) + 1)
            if current is None:
                continue
            if current.number in by_number:
                reader.error(
                    "number",
                    _("序号 %(number)d 与第%(row)d行的项目重复")
                    % {"number": current.number, "row": by_number[current.number].row},
                )
            by_number[current.number] = current
            projects.append(current)
        _read_row(reader, current, year)

    for project in projects:
        _finish_project(project, errors)
    errors.sort(key=lambda e: e.row or 0)
    return TargetsPlan(
        year,
        dataset.title or "",
        columns,
        projects,
        errors,
        rows,
        unit_full_names=reader.unit_full_names,
        person_titles=reader.person_titles,
        mayor_titles=reader.mayor_titles,
    )


def _start_project(reader: _Reader, name: str, number_raw, position: int) -> ProjectSpec | None:
    if "number" in reader.index:
        number = parse_project_number(number_raw)
        if number is None:
            if clean_text(number_raw):
                reader.error(
                    "number", _("无法识别的序号“%(text)s”") % {"text": clean_text(number_raw)}
                )
            else:
                reader.error("number", _("缺少项目序号"))
            number = 0
        elif number > 32767:
            reader.error("number", _("序号过大"))
            number = 0
    else:
        number = position
    if not name:
        reader.error("project", _("缺少项目名称"))
    project = ProjectSpec(number=number, name=name, row=reader.row)
    project.target = text_block(reader.raw("target"))
    project.measures = text_block(reader.raw("measures"))
    project.guarantees = text_block(reader.raw("guarantees"))
    category = one_line(reader.raw("category"))
    if category:
        project.category = category_by_meaning(category)
        if project.category is None:
            reader.error(
                "category",
                _("无法识别的类别“%(text)s”（可填：%(choices)s）")
                % {"text": category, "choices": "、".join(str(c.label) for c in Category)},
            )
    return project


def _read_row(reader: _Reader, project: ProjectSpec, year: int) -> None:
    row = reader.row
    units, lead = reader.units()
    persons = reader.persons(units)
    mayor = reader.mayor()
    if lead is not None and units[0] != lead:
        # 牵头 puts the unit first, with the person typed beside it.
        at = units.index(lead)
        units.insert(0, units.pop(at))
        persons.insert(0, persons.pop(at))
    for unit, person in zip(units, persons, strict=False):
        known = dict(project.units)
        if unit not in known:
            project.units.append((unit, person))
        elif known[unit] is None and person:
            project.units[[u for u, _p in project.units].index(unit)] = (unit, person)
    if lead is not None and project.units[0][0] != lead:
        at = [u for u, _p in project.units].index(lead)
        project.units.insert(0, project.units.pop(at))
    if project.mayor is None and mayor:
        project.mayor = mayor

    owner: ProjectSpec | SubItemSpec = project
    sub_name = strip_subitem_number(reader.name("subitem", SubItem, "name"))
    if sub_name:
        sub = next((s for s in project.subitems if s.name == sub_name), None)
        if sub is None:
            unit = units[0] if units else ""
            sub = SubItemSpec(
                name=sub_name,
                unit=unit,
                person=persons[0] if units else None,
                mayor=mayor,
                description=text_block(reader.raw("description")),
                row=row,
            )
            project.subitems.append(sub)
        else:
            if units and sub.unit and units[0] != sub.unit:
                reader.error(
                    "units",
                    _("小项“%(name)s”在第%(row)d行的责任单位是“%(unit)s”，这里却是“%(other)s”")
                    % {"name": sub_name, "row": sub.row, "unit": sub.unit, "other": units[0]},
                )
            if not sub.unit and units:
                sub.unit, sub.person = units[0], persons[0]
            sub.mayor = sub.mayor or mayor
            sub.description = sub.description or text_block(reader.raw("description"))
        owner = sub

    unreadable = False
    try:
        deadlines = parse_deadlines(reader.raw("deadline"), year)
    except CellError as exc:
        reader.error("deadline", str(exc))
        deadlines, unreadable = [], True
    milestone_name = reader.name("milestone", Milestone, "name")
    unit = owner.unit if isinstance(owner, SubItemSpec) else (units[0] if units else "")
    for deadline in deadlines:
        if milestone_name:
            name = milestone_name
            if deadline.period:  # 每季度末: one milestone per quarter, named after it
                name = f"{milestone_name}（{deadline.period}）"[: _max(Milestone, "name")]
            owner.milestones.append(MilestoneSpec(name, deadline.due, unit, row, deadline.start))
        else:
            label = deadline.period or deadline_label(reader.raw("deadline"))
            owner.derived.append((label, deadline.due, unit, row, deadline.start))
    if not deadlines and milestone_name and not unreadable:
        reader.error("deadline", _("进度节点“%(name)s”缺少完成时限") % {"name": milestone_name})

    indicator = reader.name("indicator", Indicator, "name")
    try:
        target, unit_from_text = parse_amount(reader.raw("target_value"))
    except CellError as exc:
        reader.error("target_value", str(exc))
        target, unit_from_text = None, ""
    measure = one_line(reader.raw("measure")) or unit_from_text
    if len(measure) > _max(Indicator, "measure"):
        reader.error("measure", _("计量单位过长"))
        measure = measure[: _max(Indicator, "measure")]
    if indicator:
        owner.indicators.append(IndicatorSpec(indicator, target, measure, row))
    elif target is not None:
        reader.error("indicator", _("填写了目标值但缺少考核指标名称"))


def _finish_project(project: ProjectSpec, errors: list[RowError]) -> None:
    lead = project.lead_unit
    if lead is None:  # no units
        errors.append(
            RowError(
                project.row, "责任单位", _("项目“%(name)s”缺少责任单位") % {"name": project.name}
            )
        )
        return
    for milestone in project.milestones:
        milestone.unit = milestone.unit or lead
    for sub in project.subitems:
        if not sub.unit:
            sub.unit = lead
            sub.person = dict(project.units).get(lead)
        for milestone in sub.milestones:
            milestone.unit = sub.unit
    owners: list[ProjectSpec | SubItemSpec] = [project, *project.subitems]
    for owner in owners:
        _name_derived(owner, lead, errors)
        seen: dict[str, int] = {}
        for milestone in owner.milestones:
            if milestone.name in seen:
                errors.append(
                    RowError(
                        milestone.row,
                        "进度节点",
                        _("进度节点“%(name)s”与第%(row)d行重复")
                        % {"name": milestone.name, "row": seen[milestone.name]},
                    )
                )
            seen[milestone.name] = milestone.row
        seen = {}
        for indicator in owner.indicators:
            if indicator.name in seen:
                errors.append(
                    RowError(
                        indicator.row,
                        "考核指标",
                        _("考核指标“%(name)s”与第%(row)d行重复")
                        % {"name": indicator.name, "row": seen[indicator.name]},
                    )
                )
            seen[indicator.name] = indicator.row


def _name_derived(owner, lead: str, errors: list[RowError]) -> None:
    """Milestones without a 进度节点 name are named after their sub-item (or
    project), with the deadline added when there are several."""
    limit = _max(Milestone, "name")
    several = len(owner.derived) > 1
    for label, due, unit, row, start in owner.derived:
        name = f"{owner.name}（{label}）" if several else owner.name
        owner.milestones.append(MilestoneSpec(name[:limit], due, unit or lead, row, start))
    owner.milestones.sort(key=lambda m: m.row)
    owner.derived = []
