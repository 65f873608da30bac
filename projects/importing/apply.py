"""Compare the planned year with what is stored, and write the difference.

Everything of the year is loaded once into dictionaries (a fixed number of
queries however long the workbook), the diff is computed in memory, and the
writes are ``bulk_create`` / ``bulk_update`` (which also moves ``updated_at``,
:func:`common.writes.touch`) followed by one ``INSERT … SELECT`` per table into
simple-history's tables (:func:`record_history`), so the audit trail records the
import, with the user, at bulk speed.

Matching, so that re-importing the same workbook changes nothing and an
amended one updates in place:

- units, vice-mayors by name (units also by full name); persons by unit + name;
- projects by their number in the year;
- sub-items, milestones and indicators first by name within their project or
  sub-item, then the ones left over are paired in order (a renamed sub-item is
  updated, not duplicated);
- objects stored but absent from the workbook are kept (they may carry
  progress reports) and listed as warnings.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Sequence
from difflib import SequenceMatcher

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from common import clock
from common.history import history_reason
from common.writes import touch
from projects.importing.plan import (
    IndicatorSpec,
    MilestoneSpec,
    ProjectSpec,
    SubItemSpec,
    TargetsPlan,
)
from projects.importing.results import (
    Change,
    ImportResult,
    NameChoices,
    RowError,
    UnknownName,
    name_key,
)
from projects.models import (
    Category,
    Indicator,
    Milestone,
    PlanYear,
    Project,
    ProjectUnit,
    SubItem,
)
from responsibility.models import (
    Person,
    Unit,
    ViceMayor,
    existing_home_jurisdiction,
    home_jurisdiction,
)

logger = logging.getLogger("zhucheng.importing")

CHANGE_REASON = "导入年度目标"
BATCH = 2000
# SQLite allows 32,766 parameters per statement; stay well below.
HISTORY_BATCH = 900
# Sub-items being renumbered park here first: (project, number) is unique.
_PARKING = 30000


def _fmt(value) -> str:
    if value is None or value == "":
        return "（空）"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "normalize"):
        return f"{value.normalize():f}"
    text = str(value)
    return f"“{text[:30]}…”" if len(text) > 30 else f"“{text}”"


@dataclasses.dataclass
class _Writes:
    """What the diff decided to write, in dependency order."""

    units: list = dataclasses.field(default_factory=list)
    persons: list = dataclasses.field(default_factory=list)
    mayors: list = dataclasses.field(default_factory=list)
    plan: PlanYear | None = None
    new_projects: list = dataclasses.field(default_factory=list)
    changed_projects: dict = dataclasses.field(default_factory=dict)  # obj → fields
    drop_assignments: list = dataclasses.field(default_factory=list)
    demote_assignments: list = dataclasses.field(default_factory=list)
    changed_assignments: dict = dataclasses.field(default_factory=dict)
    new_assignments: list = dataclasses.field(default_factory=list)
    renumber_subitems: list = dataclasses.field(default_factory=list)
    changed_subitems: dict = dataclasses.field(default_factory=dict)
    new_subitems: list = dataclasses.field(default_factory=list)
    changed_milestones: dict = dataclasses.field(default_factory=dict)
    new_milestones: list = dataclasses.field(default_factory=list)
    changed_indicators: dict = dataclasses.field(default_factory=dict)
    new_indicators: list = dataclasses.field(default_factory=list)


class _Differ:
    def __init__(
        self,
        plan: TargetsPlan,
        result: ImportResult,
        choices: NameChoices,
        jurisdiction: Unit | None,
    ):
        self.plan = plan
        self.jurisdiction = jurisdiction
        self.result = result
        self.choices = choices
        self.unknown: dict[str, UnknownName] = {}
        self.columns = plan.columns
        self.w = _Writes()
        self.errors: list[RowError] = []
        self._pending_drop: list[ProjectUnit] = []

    # --- loading ---------------------------------------------------------

    def load(self) -> None:
        year = self.plan.year
        # Names are known within the jurisdiction whose programme this is: every
        # city has a 质监局, and another jurisdiction's is not this one's.
        j = self.jurisdiction
        units = Unit.objects.filter(jurisdiction=j) if j else Unit.objects.none()
        self.units = {u.name: u for u in units}
        full = defaultdict(list)
        for u in self.units.values():
            if u.full_name:
                full[u.full_name].append(u)
        self.units_by_full = {k: v[0] for k, v in full.items() if len(v) == 1}
        mayors = ViceMayor.objects.filter(jurisdiction=j) if j else ViceMayor.objects.none()
        persons = Person.objects.filter(unit__jurisdiction=j) if j else Person.objects.none()
        self.mayors = {m.name: m for m in mayors}
        self.persons = {(p.unit_id, p.name): p for p in persons.select_related("unit")}
        self.by_pk = {
            Unit: {u.pk: u for u in self.units.values()},
            ViceMayor: {m.pk: m for m in self.mayors.values()},
            Person: {p.pk: p for p in self.persons.values()},
        }
        self.plan_year = PlanYear.objects.filter(jurisdiction=j, year=year).first() if j else None
        projects = list(Project.objects.filter(plan=self.plan_year)) if self.plan_year else []
        self.projects = {p.number: p for p in projects}
        ids = [p.pk for p in projects]
        self.assignments = defaultdict(list)
        for a in ProjectUnit.objects.filter(project_id__in=ids).order_by("order", "pk"):
            self.assignments[a.project_id].append(a)
        self.subitems = defaultdict(list)
        for s in SubItem.objects.filter(project_id__in=ids).order_by("number", "pk"):
            self.subitems[s.project_id].append(s)
        self.milestones = defaultdict(list)
        for m in Milestone.objects.filter(project_id__in=ids).order_by("due_date", "pk"):
            self.milestones[(m.project_id, m.subitem_id)].append(m)
        self.indicators = defaultdict(list)
        for i in Indicator.objects.filter(project_id__in=ids).order_by("pk"):
            self.indicators[(i.project_id, i.subitem_id)].append(i)
        self.seen: dict[str, set[int]] = {"units": set(), "persons": set(), "mayors": set()}

    # --- reference data ----------------------------------------------------

    def unit(self, name: str, row: int | None = None) -> Unit:
        unit = self.units.get(name) or self.units_by_full.get(name)
        full = self.plan.unit_full_names.get(name, "")
        if unit is None and full:  # 质监局（诸城市质量技术监督局）
            unit = self.units_by_full.get(full) or self.units.get(full)
            if unit is not None:
                self.units[name] = unit
        if unit is None:
            unit = self._known_as(Unit, "units", name, row)
            if unit is not None:
                self.units[name] = unit  # the workbook's name for a known unit
        if unit is None:
            unit = Unit(
                name=name, full_name=full, kind=Unit.Kind.BUREAU, jurisdiction=self.jurisdiction
            )
            self.units[name] = unit
            self.w.units.append(unit)
            self._created("units", name)
        elif id(unit) not in self.seen["units"] and unit.pk:
            self.result.counts["units"].unchanged += 1
        self.seen["units"].add(id(unit))
        return unit

    def person(self, unit: Unit, name: str | None, row: int | None = None) -> Person | None:
        if not name:
            return None
        key = (unit.pk, name) if unit.pk else (id(unit), name)
        person = self.persons.get(key)
        # A new unit's people are new with it; a known unit's new person is a decision.
        if person is None and unit.pk:
            person = self._known_as(Person, "persons", name, row, unit)
            if person is not None:
                self.persons[key] = person
        if person is None:
            person = Person(name=name, unit=unit, title=self.plan.person_titles.get(name, ""))
            self.persons[key] = person
            self.w.persons.append(person)
            self._created("persons", f"{name}（{unit.name}）")
        elif id(person) not in self.seen["persons"] and person.pk:
            self.result.counts["persons"].unchanged += 1
        self.seen["persons"].add(id(person))
        return person

    def mayor(self, name: str | None, row: int | None = None) -> ViceMayor | None:
        if not name:
            return None
        mayor = self.mayors.get(name)
        if mayor is None:
            mayor = self._known_as(ViceMayor, "mayors", name, row)
            if mayor is not None:
                self.mayors[name] = mayor
        if mayor is None:
            mayor = ViceMayor(name=name, jurisdiction=self.jurisdiction)
            if title := self.plan.mayor_titles.get(name):
                mayor.title = title
            self.mayors[name] = mayor
            self.w.mayors.append(mayor)
            self._created("mayors", name)
        elif id(mayor) not in self.seen["mayors"] and mayor.pk:
            self.result.counts["mayors"].unchanged += 1
        self.seen["mayors"].add(id(mayor))
        return mayor

    # --- names the database does not know ----------------------------------------

    def _known_as(self, model, kind: str, name: str, row: int | None, unit: Unit | None = None):
        """A name the database does not know: record it with the nearest known names
        and the user's decision; the known object it stands for, if that is the
        decision (None: it is new, or undecided and the import will be refused)."""
        key = name_key(kind, name, unit.name if unit is not None else "")
        unknown = self.unknown.get(key)
        if unknown is None:
            pk = self.choices.same_as.get(key)
            if pk is not None and pk in self.by_pk[model]:
                decision = f"same:{pk}"
            elif pk is not None:  # "the same as" an object that is not there: never "new"
                self.errors.append(
                    RowError(
                        row,
                        "",
                        _("“%(name)s”所对应的已有对象不存在，请重新选择。") % {"name": name},
                    )
                )
                decision = ""
            elif self.choices.allow_new or key in self.choices.new:
                decision = "new"
            else:
                decision = ""
            unknown = UnknownName(
                kind=kind,
                name=name,
                rows=[],
                suggestions=self._nearest(kind, name, unit),
                unit=unit.name if unit is not None else "",
                decision=decision,
            )
            self.unknown[key] = unknown
        if row is not None and row not in unknown.rows:
            unknown.rows.append(row)
        if unknown.decision.startswith("same:"):
            return self.by_pk[model][int(unknown.decision.removeprefix("same:"))]
        return None

    def _nearest(self, kind: str, name: str, unit: Unit | None) -> list[tuple[int, str]]:
        if kind == "units":
            units = self.by_pk[Unit].values()
            candidates = [
                (u.pk, u.name, f"{u.name}（{u.full_name}）" if u.full_name else u.name)
                for u in units
            ] + [(u.pk, u.full_name, f"{u.name}（{u.full_name}）") for u in units if u.full_name]
        elif kind == "persons":
            candidates = [
                (p.pk, p.name, f"{p.name}（{self.by_pk[Unit][p.unit_id].name}）")
                for p in self.by_pk[Person].values()
                if unit is None or p.unit_id == unit.pk
            ]
        else:
            candidates = [(m.pk, m.name, m.name) for m in self.by_pk[ViceMayor].values()]
        return nearest_names(name, candidates, same_surname=kind != "units")

    def unknown_errors(self) -> list[RowError]:
        """One refusal per name left undecided, naming the nearest known ones."""
        errors = []
        for unknown in self.unknown.values():
            if unknown.decision:
                continue
            near = "、".join(label for _pk, label in unknown.suggestions)
            message = _("“%(name)s”不是已有的%(kind)s：请确认为新增，或对应到已有的%(kind)s") % {
                "name": unknown.label,
                "kind": unknown.kind_label,
            }
            if near:
                message += _("（相近：%(near)s）") % {"near": near}
            row = unknown.rows[0] if unknown.rows else None
            errors.append(RowError(row, "", message, name_key=unknown.key))
        return errors

    # --- bookkeeping -------------------------------------------------------

    def _created(self, kind: str, label: str) -> None:
        self.result.counts[kind].created += 1
        self.result.changes.append(Change(kind, "created", label))

    def _name_of(self, model, pk) -> str:
        obj = self.by_pk.get(model, {}).get(pk)
        return obj.name if obj is not None else "（空）"

    def _compare(self, kind: str, obj, wanted: dict, label: str, extra: Sequence[str] = ()) -> list:
        """Set ``wanted`` field values on ``obj``; count and describe the change."""
        changed, details = [], list(extra)
        for name, value in wanted.items():
            field = obj._meta.get_field(name)
            if field.is_relation:
                current = getattr(obj, field.attname)
                if not _differs(current, value):
                    continue
                before = self._name_of(field.related_model, current) if current else "（空）"
                after = value.name if value is not None else "（空）"
                setattr(obj, name, value)
            else:
                current = getattr(obj, field.attname)
                if current == value:
                    continue
                before, after = _fmt(current), _fmt(value)
                setattr(obj, field.attname, value)
            details.append(f"{field.verbose_name}：{before} → {after}")
            changed.append(name)
        if changed or extra:
            self.result.counts[kind].updated += 1
            self.result.changes.append(Change(kind, "updated", label, "；".join(details)))
        else:
            self.result.counts[kind].unchanged += 1
        return changed

    # --- the year ------------------------------------------------------------

    def diff(self) -> None:
        if self.plan_year is None:
            title = self.plan.title or f"{self.plan.year}年质量兴市项目化推进工作责任制"
            self.plan_year = PlanYear(
                jurisdiction=self.jurisdiction, year=self.plan.year, title=title[:200]
            )
            self.w.plan = self.plan_year
            self.result.plan_created = True
        for spec in self.plan.projects:
            self.diff_project(spec)
        numbers = {s.number for s in self.plan.projects}
        kept = [p for n, p in self.projects.items() if n not in numbers]
        self._warn_kept(_("项目"), [str(p) for p in kept])

    def _warn_kept(self, kind_label: str, labels: list[str]) -> None:
        if labels:
            shown = "、".join(labels[:5]) + ("等" if len(labels) > 5 else "")
            self.result.warnings.append(
                _("数据库中另有 %(n)d 个%(kind)s不在表格中，已保留未删除：%(list)s")
                % {"n": len(labels), "kind": kind_label, "list": shown}
            )

    def diff_project(self, spec: ProjectSpec) -> None:
        c = self.columns
        mayor = self.mayor(spec.mayor, spec.row) if "mayor" in c else None
        units: list = []
        for unit_name, person_name in spec.units:
            unit = self.unit(unit_name, spec.row)
            # 质监局 and its full name 诸城市质量技术监督局 are one unit.
            if all(unit is not u for u, _p in units):
                units.append((unit, person_name))
        wanted: dict = {"name": spec.name}
        if spec.category:
            wanted["category"] = spec.category
        for key in ("target", "measures", "guarantees"):
            if key in c:
                wanted[key] = getattr(spec, key)
        if "mayor" in c:
            wanted["mayor"] = mayor
        project = self.projects.get(spec.number)
        label = f"第{spec.number}项 {spec.name}"
        if project is None:
            project = Project(
                plan=self.plan_year,
                number=spec.number,
                category=wanted.pop("category", Category.OTHER),
                **wanted,
            )
            self.w.new_projects.append(project)
            self._created("projects", label)
            old_assignments = []
        else:
            old_assignments = self.assignments.get(project.pk, [])
            extra = self.diff_assignments(project, units, old_assignments, spec.row)
            changed = self._compare("projects", project, wanted, label, extra)
            if changed:
                self.w.changed_projects[project] = changed
        if project.pk is None:
            self.diff_assignments(project, units, [], spec.row)

        self.diff_subitems(project, spec)
        self.diff_owned(project, None, spec.milestones, spec.indicators)

    def diff_assignments(self, project: Project, units, old: list, row: int) -> list[str]:
        """Set the project's units; returns a change description ("" when same)."""
        by_unit = {a.unit_id: a for a in old}
        keep_ids = set()
        before = "、".join(self._name_of(Unit, a.unit_id) for a in old)
        changed = False
        for order, (unit, person_name) in enumerate(units):
            person = self.person(unit, person_name, row) if "persons" in self.columns else None
            existing = by_unit.get(unit.pk) if unit.pk else None
            if existing is None:
                self.w.new_assignments.append(
                    ProjectUnit(
                        project=project, unit=unit, person=person, is_lead=order == 0, order=order
                    )
                )
                changed = True
                continue
            keep_ids.add(existing.pk)
            fields = []
            if existing.is_lead != (order == 0):
                if existing.is_lead:
                    self.w.demote_assignments.append(existing)
                existing.is_lead = order == 0
                fields.append("is_lead")
            if existing.order != order:
                existing.order = order
                fields.append("order")
            if "persons" in self.columns and _differs(existing.person_id, person):
                existing.person = person
                fields.append("person")
            if fields:
                self.w.changed_assignments[existing] = fields
                changed = True
        # Units dropped from the project, unless a kept sub-item still needs them.
        for a in old:
            if a.pk not in keep_ids:
                a._drop = True
                changed = True
        self._pending_drop = [a for a in old if getattr(a, "_drop", False)]
        if not changed or not old:
            return []
        after = "、".join(u.name for u, _p in units)
        return [f"责任单位/责任人：{before} → {after}" if before != after else "责任人有变化"]

    def diff_subitems(self, project: Project, spec: ProjectSpec) -> None:
        existing = self.subitems.get(project.pk, []) if project.pk else []
        pairs, kept = _match(spec.subitems, existing)
        used_units = []
        for number, (sub_spec, sub) in enumerate(pairs, start=1):
            unit = self.unit(sub_spec.unit, sub_spec.row)
            used_units.append(unit.pk)
            wanted: dict = {"name": sub_spec.name, "unit": unit}
            if "description" in self.columns:
                wanted["description"] = sub_spec.description
            if "persons" in self.columns:
                wanted["person"] = self.person(unit, sub_spec.person, sub_spec.row)
            if "mayor" in self.columns:
                wanted["mayor"] = self.mayor(sub_spec.mayor, sub_spec.row)
            label = f"{spec.number}-{number} {sub_spec.name}"
            if sub is None:
                sub = SubItem(project=project, number=number, **wanted)
                self.w.new_subitems.append(sub)
                self._created("subitems", label)
            else:
                wanted["number"] = number
                changed = self._compare("subitems", sub, wanted, label)
                if changed:
                    if "number" in changed:
                        self.w.renumber_subitems.append(sub)
                    self.w.changed_subitems[sub] = changed
            self.diff_owned(project, sub, sub_spec.milestones, sub_spec.indicators, unit)
        # Kept sub-items make way for the workbook's numbering.
        taken = set(range(1, len(spec.subitems) + 1))
        held = {sub.number for sub in kept if sub.number not in taken}
        free = len(spec.subitems) + 1
        for sub in kept:
            used_units.append(sub.unit_id)
            if sub.number in taken:
                while free in held or free in taken:
                    free += 1
                held.add(free)
                self.result.counts["subitems"].updated += 1
                self.result.changes.append(
                    Change(
                        "subitems",
                        "updated",
                        f"{spec.number}-{sub.number} {sub.name}",
                        _("不在表格中，序号顺延为 %(n)d") % {"n": free},
                    )
                )
                sub.number = free
                self.w.renumber_subitems.append(sub)
                self.w.changed_subitems.setdefault(sub, []).append("number")
        self._warn_kept(_("小项"), [f"{spec.number}-{s.number} {s.name}" for s in kept])
        for a in self._pending_drop:
            if a.unit_id not in used_units:
                self.w.drop_assignments.append(a)
            elif a.is_lead:  # kept for a kept sub-item, but no longer the lead
                a.is_lead = False
                self.w.demote_assignments.append(a)
                self.w.changed_assignments.setdefault(a, []).append("is_lead")
        self._pending_drop = []

    def diff_owned(self, project, sub, milestones: list[MilestoneSpec], indicators, unit=None):
        key = (project.pk, sub.pk if sub is not None else None)
        has_rows = project.pk is not None and (sub is None or sub.pk is not None)
        prefix = f"{project.number}-{sub.number} " if sub is not None else f"第{project.number}项 "
        if "deadline" in self.columns:
            existing = self.milestones.get(key, []) if has_rows else []
            pairs, kept = _match(milestones, existing)
            for m_spec, milestone in pairs:
                m_unit = unit or self.unit(m_spec.unit, m_spec.row)
                label = f"{prefix}{m_spec.name}"
                if milestone is None:
                    self.w.new_milestones.append(
                        Milestone(
                            project=project,
                            subitem=sub,
                            unit=m_unit,
                            name=m_spec.name,
                            start_date=m_spec.start,
                            due_date=m_spec.due,
                        )
                    )
                    self._created("milestones", label)
                    continue
                # A start typed in the workbook (3月至6月) replaces the stored
                # one; a single date leaves the stored start alone.
                start = m_spec.start or milestone.start_date
                if start and m_spec.due < start:
                    self.errors.append(
                        RowError(
                            m_spec.row,
                            "完成时限",
                            _("完成时限 %(due)s 早于该节点已登记的开始日期 %(start)s")
                            % {
                                "due": m_spec.due.isoformat(),
                                "start": start.isoformat(),
                            },
                        )
                    )
                    continue
                if m_spec.start and milestone.done_date and milestone.done_date < m_spec.start:
                    self.errors.append(
                        RowError(
                            m_spec.row,
                            "完成时限",
                            _("开始日期 %(start)s 晚于该节点已登记的完成日期 %(done)s")
                            % {
                                "start": m_spec.start.isoformat(),
                                "done": milestone.done_date.isoformat(),
                            },
                        )
                    )
                    continue
                wanted = {"name": m_spec.name, "due_date": m_spec.due, "unit": m_unit}
                if m_spec.start:
                    wanted["start_date"] = m_spec.start
                changed = self._compare("milestones", milestone, wanted, label)
                if changed:
                    self.w.changed_milestones[milestone] = changed
            self._warn_kept(_("进度节点"), [f"{prefix}{m.name}" for m in kept])
        if "indicator" in self.columns:
            existing = self.indicators.get(key, []) if has_rows else []
            pairs, kept = _match(indicators, existing)
            for i_spec, indicator in pairs:
                wanted = {"name": i_spec.name, "target": i_spec.target, "measure": i_spec.measure}
                label = f"{prefix}{i_spec.name}"
                if indicator is None:
                    self.w.new_indicators.append(Indicator(project=project, subitem=sub, **wanted))
                    self._created("indicators", label)
                    continue
                changed = self._compare("indicators", indicator, wanted, label)
                if changed:
                    self.w.changed_indicators[indicator] = changed
            self._warn_kept(_("量化指标"), [f"{prefix}{i.name}" for i in kept])

    # --- writing -------------------------------------------------------------

    def write(self, user) -> None:
        w = self.w

        def create(model, objs):
            if objs:
                model.objects.bulk_create(objs, batch_size=BATCH)
                record_history(model, [o.pk for o in objs], "+", user)

        def update(model, changed: dict):
            if changed:
                objs = list(changed)
                # touch(): bulk_update leaves updated_at alone, which the PDF cache
                # and the admin's "changed meanwhile" check rely on.
                fields = touch(objs, sorted({f for fs in changed.values() for f in fs}))
                model.objects.bulk_update(objs, fields, batch_size=BATCH)
                record_history(model, [o.pk for o in objs], "~", user)

        if self.jurisdiction is None:
            # A first import into an empty database: the home jurisdiction is made
            # now, with the plan, and not when the workbook is only looked at.
            self.jurisdiction = home_jurisdiction()
            for obj in [*w.units, *w.mayors, *([w.plan] if w.plan else [])]:
                obj.jurisdiction = self.jurisdiction
        create(Unit, w.units)
        create(Person, w.persons)
        create(ViceMayor, w.mayors)
        if w.plan is not None:
            w.plan.save()
        create(Project, w.new_projects)
        update(Project, w.changed_projects)

        for a in w.drop_assignments:
            a._history_user = user
            a._change_reason = CHANGE_REASON
            a.delete()
        if w.demote_assignments:
            ProjectUnit.objects.filter(pk__in=[a.pk for a in w.demote_assignments]).update(
                is_lead=False
            )
        update(ProjectUnit, w.changed_assignments)
        create(ProjectUnit, w.new_assignments)

        if w.renumber_subitems:
            for i, sub in enumerate(w.renumber_subitems):
                sub._final_number, sub.number = sub.number, _PARKING + i
            SubItem.objects.bulk_update(w.renumber_subitems, ["number"], batch_size=BATCH)
            for sub in w.renumber_subitems:
                sub.number = sub._final_number
        update(SubItem, w.changed_subitems)
        create(SubItem, w.new_subitems)

        update(Milestone, w.changed_milestones)
        create(Milestone, w.new_milestones)
        update(Indicator, w.changed_indicators)
        create(Indicator, w.new_indicators)


def record_history(model, pks: list[int], history_type: str, user) -> None:
    """Add simple-history rows for ``pks`` of ``model``, copied from the stored rows.

    This is what simple-history's ``bulk_create_with_history`` and
    ``bulk_update_with_history`` record (same tracked columns, type "+" or "~",
    the user and a change reason), written as one ``INSERT … SELECT`` per batch
    instead of instantiating a historical model per row: measured on the
    20,000-row benchmark, the library helpers made the whole import 3–4× slower
    than the plain ``bulk_create`` (see bench/importing.py).
    """
    if not pks:
        return
    history = model.history.model
    qn = connection.ops.quote_name
    columns = [f.column for f in history.tracked_fields]
    names = ", ".join(qn(c) for c in columns)
    sql_head = (
        f"INSERT INTO {qn(history._meta.db_table)} ({names}, {qn('history_date')}, "
        f"{qn('history_change_reason')}, {qn('history_type')}, {qn('history_user_id')}) "
        f"SELECT {names}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} "
        f"WHERE {qn(model._meta.pk.column)} IN "
    )
    now = clock.recorded_now()
    user_id = user.pk if user is not None and user.pk else None
    with connection.cursor() as cursor:
        for start in range(0, len(pks), HISTORY_BATCH):
            chunk = pks[start : start + HISTORY_BATCH]
            cursor.execute(
                sql_head + "(" + ", ".join(["%s"] * len(chunk)) + ")",
                [now, history_reason(CHANGE_REASON), history_type, user_id, *chunk],
            )


def _differs(current_id, obj) -> bool:
    """Whether a foreign key holding ``current_id`` must change to point at ``obj``."""
    if obj is None:
        return current_id is not None
    return obj.pk is None or obj.pk != current_id


def _match(specs: list, existing: list) -> tuple[list[tuple], list]:
    """Pair specs with stored objects: same name first, then leftovers in order.
    Returns ([(spec, obj or None)] in spec order, [stored objects left over])."""
    by_name: dict[str, list] = defaultdict(list)
    for obj in existing:
        by_name[obj.name].append(obj)
    paired: list = [None] * len(specs)
    taken = set()
    for i, spec in enumerate(specs):
        if by_name.get(spec.name):
            obj = by_name[spec.name].pop(0)
            paired[i] = obj
            taken.add(id(obj))
    leftovers = [obj for obj in existing if id(obj) not in taken]
    for i in range(len(specs)):
        if paired[i] is None and leftovers:
            paired[i] = leftovers.pop(0)
    return list(zip(specs, paired, strict=True)), leftovers


def apply_plan(
    plan: TargetsPlan,
    *,
    dry_run: bool,
    user=None,
    names: NameChoices | None = None,
    jurisdiction: Unit | None = None,
) -> ImportResult:
    """Diff ``plan`` against the database and, unless ``dry_run``, write it,
    all or nothing. A unit, person or vice-mayor the database does not know is
    written only when ``names`` says it is new (or stands for a known one); else
    it is listed in ``result.unknown_names`` and the import refused. Names are
    matched, and the plan written, in ``jurisdiction`` (the home one by default)."""
    jurisdiction = jurisdiction or existing_home_jurisdiction()
    result = ImportResult(year=plan.year, dry_run=dry_run, rows=plan.rows)
    if plan.errors:
        result.errors = list(plan.errors)
        return result
    if not plan.projects:
        result.errors.append(RowError(None, "", _("表格中没有任何项目行。")))
        return result
    try:
        with transaction.atomic():
            if not dry_run:
                # One import of a year at a time.
                list(
                    PlanYear.objects.select_for_update().filter(
                        jurisdiction=jurisdiction, year=plan.year
                    )
                )
            differ = _Differ(plan, result, names or NameChoices(), jurisdiction)
            differ.load()
            differ.diff()
            result.unknown_names = list(differ.unknown.values())
            errors = differ.errors + differ.unknown_errors()
            if errors:
                result.errors = sorted(errors, key=lambda e: e.row or 0)
                return result
            if not dry_run:
                differ.write(user)
    except DatabaseError as exc:
        logger.exception("targets import failed")
        result.errors.append(
            RowError(None, "", _("写入数据库时出错，未导入任何数据：%(error)s") % {"error": exc})
        )
    return result


__all__ = ["IndicatorSpec", "MilestoneSpec", "SubItemSpec", "apply_plan"]


def _chars_overlap(a: str, b: str) -> float:
    """Share of the characters two names have in common (质检局 ~ 质监局: 2 of 4)."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


NEAREST = 3
NEAR_ENOUGH = 0.5


def nearest_names(
    name: str, candidates: list[tuple[int, str, str]], *, same_surname: bool = False
) -> list[tuple[int, str]]:
    """The known names nearest to ``name``, best first: ``candidates`` are (pk,
    name compared, label shown); scored by edit similarity and by the characters
    they share, whichever is higher. For people (``same_surname``) a short name
    with the same surname is near too (王市长 ~ 王世和)."""
    scored: dict[int, tuple[float, str]] = {}
    for pk, known, label in candidates:
        if not known:
            continue
        score = max(SequenceMatcher(None, name, known).ratio(), _chars_overlap(name, known))
        if same_surname and name[:1] == known[:1] and len(name) <= 4:
            score = max(score, NEAR_ENOUGH)
        if score >= NEAR_ENOUGH and score > scored.get(pk, (0.0, ""))[0]:
            scored[pk] = (score, label)
    best = sorted(scored.items(), key=lambda item: (-item[1][0], item[1][1]))[:NEAREST]
    return [(pk, label) for pk, (_score, label) in best]
