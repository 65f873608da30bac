"""Synthetic data N times the size of a real year, for benchmarks and query-count tests.

Factor 1 is one city's year: 33 projects over 20 bureaus and 5 vice-mayors,
about 70 sub-items, 200 milestones and 120 progress reports. Factor 10 is
about a province's worth of cities in one year. The data is deterministic for
a given factor and year; rows are written with ``bulk_create`` (no history
rows: this is not real work).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from common.bulk import BATCH, delete_with_history
from projects.models import (
    Category,
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
)
from responsibility import roles
from responsibility.models import Membership, Person, Unit, ViceMayor, home_jurisdiction

PROJECTS_PER_FACTOR = 33
UNITS_PER_FACTOR = 20
MAYORS_PER_FACTOR = 5


@dataclasses.dataclass
class ScaleSummary:
    year: int
    projects: int
    subitems: int
    milestones: int
    reports: int
    units: int


@dataclasses.dataclass
class PlanFigures:
    """What :func:`plan_fill` wrote into one jurisdiction's plan."""

    projects: int
    subitems: int
    milestones: int
    reports: int


@transaction.atomic
def scale_seed(
    *,
    factor: int,
    year: int,
    seed: int = 2010,
    before_units_deleted: Callable[[QuerySet[Unit]], None] | None = None,
) -> ScaleSummary:
    """Create (or replace) the home jurisdiction's plan year ``year`` filled with
    synthetic data.

    ``before_units_deleted`` is called with an earlier run's synthetic units
    before they are deleted, so that a higher layer (the assessment) can remove
    its rows that protect them; ``manage.py seed_scale`` passes it."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    rng = random.Random(seed * 1000 + factor)
    prefix = f"S{year}-"
    home = home_jurisdiction()

    _delete_year(home, year, before_units_deleted)
    plan = PlanYear.objects.create(
        jurisdiction=home,
        year=year,
        doc_number=f"示例〔{year}〕{factor}号",
        title=f"{year}年压力测试数据（×{factor}）",
    )

    units = Unit.objects.bulk_create(
        (
            Unit(
                name=f"{prefix}单位{i:04d}",
                full_name=f"测试单位{i:04d}",
                order=i,
                jurisdiction=home,
            )
            for i in range(1, UNITS_PER_FACTOR * factor + 1)
        ),
        batch_size=BATCH,
    )
    persons = Person.objects.bulk_create(
        (Person(name=f"责任人{i:04d}", title="局长", unit=unit) for i, unit in enumerate(units, 1)),
        batch_size=BATCH,
    )
    mayors = ViceMayor.objects.bulk_create(
        (
            ViceMayor(
                name=f"{prefix}副市长{i:03d}",
                portfolio="测试分管领域",
                order=i,
                jurisdiction=home,
            )
            for i in range(1, MAYORS_PER_FACTOR * factor + 1)
        ),
        batch_size=BATCH,
    )
    figures = plan_fill(
        plan=plan,
        units=units,
        persons=persons,
        mayors=mayors,
        projects=PROJECTS_PER_FACTOR * factor,
        author=_scale_clerk(units[0], prefix),
        rng=rng,
    )
    return ScaleSummary(
        year=year,
        projects=figures.projects,
        subitems=figures.subitems,
        milestones=figures.milestones,
        reports=figures.reports,
        units=len(units),
    )


def plan_fill(
    *,
    plan: PlanYear,
    units: list[Unit],
    persons: list[Person],
    mayors: list[ViceMayor],
    projects: int,
    author,
    rng: random.Random,
) -> PlanFigures:
    """Fill one jurisdiction's ``plan`` with ``projects`` synthetic projects over
    its ``units`` (one responsible ``persons`` each) and ``mayors``: sub-items,
    milestones (45% done, some late), an indicator per project and progress
    reports by ``author``. A fixed number of batched statements per table."""
    person_of = {p.unit_id: p for p in persons}
    categories = [c.value for c in Category]

    projects_ = Project.objects.bulk_create(
        (
            Project(
                plan=plan,
                number=i,
                name=f"测试项目{i:04d}",
                category=rng.choice(categories),
                target=f"完成测试项目{i:04d}的年度目标任务。",
                measures="分解任务，落实责任，按月调度。",
                mayor=rng.choice(mayors),
                is_sample=True,
            )
            for i in range(1, projects + 1)
        ),
        batch_size=BATCH,
    )

    assignments, project_units = [], {}
    for project in projects_:
        chosen = rng.sample(units, rng.randint(1, 3))
        project_units[project.pk] = chosen
        assignments += [
            ProjectUnit(project=project, unit=u, person=person_of[u.pk], is_lead=o == 0, order=o)
            for o, u in enumerate(chosen)
        ]
    ProjectUnit.objects.bulk_create(assignments, batch_size=BATCH)

    subitems = SubItem.objects.bulk_create(
        (
            SubItem(
                project=project,
                number=n,
                name=f"{project.name}小项{n}",
                unit=(unit := rng.choice(project_units[project.pk])),
                person=person_of[unit.pk],
                mayor=project.mayor,
            )
            for project in projects_
            for n in range(1, rng.randint(1, 3) + 1)
        ),
        batch_size=BATCH,
    )

    year = plan.year
    start = dt.date(year, 1, 1)
    milestones = []
    for subitem in subitems:
        for n in range(1, rng.randint(2, 4) + 1):
            due = start + dt.timedelta(days=rng.randint(30, 363))
            # Done up to 10 days early or 12 days late (逾期完成), within the year.
            done = (
                min(due + dt.timedelta(days=rng.randint(-10, 12)), dt.date(year, 12, 31))
                if rng.random() < 0.45
                else None
            )
            milestones.append(
                Milestone(
                    project_id=subitem.project_id,
                    subitem=subitem,
                    unit_id=subitem.unit_id,
                    name=f"{subitem.name}节点{n}",
                    due_date=due,
                    done_date=done,
                    status=Milestone.Status.DONE if done else Milestone.Status.NOT_STARTED,
                    percent=100 if done else rng.choice([0, 20, 50, 80]),
                )
            )
    milestones = Milestone.objects.bulk_create(milestones, batch_size=BATCH)

    Indicator.objects.bulk_create(
        (
            Indicator(
                project=project,
                name=f"{project.name}量化指标",
                measure="个",
                baseline=Decimal(rng.randint(0, 20)),
                target=Decimal(rng.randint(20, 40)),
                actual=Decimal(rng.randint(0, 45)),
            )
            for project in projects_
        ),
        batch_size=BATCH,
    )

    reports = ProgressReport.objects.bulk_create(
        (
            ProgressReport(
                milestone=m,
                author=author,
                status=m.status,
                percent=m.percent,
                narrative=f"{m.name}进展情况说明。",
                done_date=m.done_date,
                review_state=rng.choice(list(ProgressReport.Review.values))
                if m.done_date is None
                else ProgressReport.Review.ACCEPTED,
                return_reason="材料不全，请补充。",
            )
            for m in milestones
            if m.done_date or rng.random() < 0.2
        ),
        batch_size=BATCH,
    )
    # Spread report dates over the year (auto_now_add set them all to now).
    for report in reports:
        m = report.milestone
        report.created_at = timezone.make_aware(
            dt.datetime.combine(m.done_date or m.due_date - dt.timedelta(days=3), dt.time(10))
        )
    ProgressReport.objects.bulk_update(reports, ["created_at"], batch_size=BATCH)

    return PlanFigures(
        projects=len(projects_),
        subitems=len(subitems),
        milestones=len(milestones),
        reports=len(reports),
    )


def _scale_clerk(unit: Unit, prefix: str):
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"{prefix}clerk".lower().replace("-", "_"))
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=roles.CLERK))
    Membership.objects.update_or_create(user=user, defaults={"unit": unit})
    return user


def _delete_year(
    jurisdiction: Unit,
    year: int,
    before_units_deleted: Callable[[QuerySet[Unit]], None] | None,
) -> None:
    """Remove an earlier synthetic run of this year, dependants first."""
    prefix = f"S{year}-"
    plans = PlanYear.objects.filter(jurisdiction=jurisdiction, year=year)
    plan = plans.first()
    if plan is not None:
        if not plan.projects.filter(is_sample=True).exists() and plan.projects.exists():
            raise ValueError(f"{year} 年已有真实数据，不能用测试数据覆盖。")
        plans_delete(plans)
    units = Unit.objects.filter(jurisdiction=jurisdiction, name__startswith=prefix)
    if before_units_deleted is not None:
        before_units_deleted(units)
    Membership.objects.filter(unit__in=units).delete()
    Person.objects.filter(unit__in=units).delete()
    units.delete()
    ViceMayor.objects.filter(jurisdiction=jurisdiction, name__startswith=prefix).delete()


def plans_delete(plans: QuerySet[PlanYear]) -> None:
    """Delete these plan years with everything in them, dependants first, a batch
    at a time (``common.bulk.delete_with_history``: linear in the rows)."""
    from projects.models import (
        DeadlineExtension,
        Evidence,
        IndicatorValue,
        Reminder,
        Supervision,
        SupervisionFile,
    )

    plan_ids = list(plans.values_list("pk", flat=True))
    if not plan_ids:
        return
    SupervisionFile.objects.filter(supervision__plan_id__in=plan_ids).delete()
    Supervision.objects.filter(plan_id__in=plan_ids).update(previous=None)
    Supervision.objects.filter(plan_id__in=plan_ids).delete()
    in_plans = {"project__plan_id__in": plan_ids}
    milestones = Milestone.objects.filter(**in_plans)
    Reminder.objects.filter(milestone__in=milestones).delete()
    DeadlineExtension.objects.filter(milestone__in=milestones).delete()
    IndicatorValue.objects.filter(report__milestone__in=milestones).delete()
    Evidence.objects.filter(report__milestone__in=milestones).delete()
    delete_with_history(ProgressReport.objects.filter(milestone__in=milestones))
    _m2m_clear(Milestone, milestones)
    delete_with_history(milestones)
    indicators = Indicator.objects.filter(**in_plans)
    IndicatorValue.objects.filter(indicator__in=indicators).delete()
    _m2m_clear(Indicator, indicators)
    delete_with_history(indicators)
    delete_with_history(SubItem.objects.filter(**in_plans))
    delete_with_history(ProjectUnit.objects.filter(**in_plans))
    delete_with_history(Project.objects.filter(plan_id__in=plan_ids))
    delete_with_history(PlanYear.objects.filter(pk__in=plan_ids))


def _m2m_clear(model, queryset: QuerySet) -> None:
    """Remove the many-to-many links other tables hold to these rows (an
    assessment item's milestones) without naming the higher layer."""
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            column = rel.field.m2m_reverse_field_name()
            through.objects.filter(**{f"{column}__in": queryset.values("pk")}).delete()
