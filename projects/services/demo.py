"""Load the 2010 Zhucheng demo plan from ``fixtures/demo_2010.json``.

The fixture is written in the domain's terms (units by name, projects with
their sub-items and milestones) rather than as a database dump, so it stays
readable and survives schema changes. Loading is idempotent: running it again
updates what is there and creates nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from common import clock
from common.writes import touch_fields
from projects import review, status
from projects.models import (
    DeadlineExtension,
    Indicator,
    Milestone,
    PlanYear,
    ProgressReport,
    Project,
    ProjectUnit,
    SubItem,
    Supervision,
)
from projects.services import extensions, supervision
from responsibility import roles
from responsibility.models import Membership, Person, Unit, ViceMayor, home_jurisdiction

DEMO_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "demo_2010.json"
DEMO_PASSWORD = "Zhucheng@2010"

ROLE_GROUPS = {
    "clerk": roles.CLERK,
    "unit_head": roles.UNIT_HEAD,
    "reviewer": roles.REVIEWER,
    "vice_mayor": roles.VICE_MAYOR,
    "admin": roles.ADMIN,
}


@dataclasses.dataclass
class DemoSummary:
    year: int
    projects: int
    subitems: int
    milestones: int
    units: int
    persons: int
    mayors: int
    users: list[tuple[str, str, str]]  # (username, role label, unit)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def demo_load(
    *,
    path: Path = DEMO_FIXTURE,
    password: str = DEMO_PASSWORD,
    sample_county: bool | None = None,
) -> DemoSummary:
    """Load the home jurisdiction's (诸城市's) plan, then, with ``sample_county``
    (default ``settings.ZHUCHENG_DEMO_SAMPLE_COUNTY``), each sample programme
    (示例县, a county under it). Every unit, vice-mayor and plan is looked up
    within its jurisdiction, so a 质监局 of another city is never touched."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if sample_county is None:
        sample_county = settings.ZHUCHENG_DEMO_SAMPLE_COUNTY
    if not sample_county:
        data["jurisdictions"] = [r for r in data.get("jurisdictions", []) if not r.get("is_sample")]
        data["sample_programmes"] = []
    places = _load_jurisdictions(data.get("jurisdictions", []))
    home = (
        next(
            (places[row["name"]] for row in data.get("jurisdictions", []) if row.get("home")),
            None,
        )
        or home_jurisdiction()
    )

    plan, units, mayors, persons, users = _load_programme(data, home, password)
    _demo_supervision(plan, users)
    _demo_extensions(plan, users)
    user_rows = [
        (row["username"], ROLE_GROUPS[row["role"]], row["unit"]) for row in data.get("users", [])
    ]
    for programme in data.get("sample_programmes", []):
        place = places[programme["jurisdiction"]]
        _load_programme(programme, place, password)
        user_rows += [
            (row["username"], ROLE_GROUPS[row["role"]], f"{place.name}{row['unit']}")
            for row in programme.get("users", [])
        ]

    return DemoSummary(
        year=plan.year,
        projects=plan.projects.count(),
        subitems=SubItem.objects.filter(project__plan=plan).count(),
        milestones=Milestone.objects.filter(project__plan=plan).count(),
        units=len(units),
        persons=len(persons),
        mayors=len(mayors),
        users=user_rows,
    )


def _load_jurisdictions(rows: list[dict]) -> dict[str, Unit]:
    """The demo's jurisdictions by name, each under the one it names (listed first)."""
    places: dict[str, Unit] = {}
    for row in rows:
        above = places[row["jurisdiction"]] if row.get("jurisdiction") else None
        places[row["name"]], _ = Unit.objects.update_or_create(
            name=row["name"],
            jurisdiction=above,
            defaults={
                "full_name": row.get("full_name", ""),
                "kind": row["kind"],
                "parent": above,
                "is_sample": row.get("is_sample", False),
                # Samples after the real ones wherever jurisdictions are listed.
                **({"order": 1000} if row.get("is_sample") else {}),
            },
        )
    return places


def _load_programme(data: dict, place: Unit, password: str):
    """One jurisdiction's units, vice-mayors, persons, plan, users and projects."""
    units = {}
    for order, row in enumerate(data["units"], start=1):
        units[row["name"]], _ = Unit.objects.update_or_create(
            jurisdiction=place,
            name=row["name"],
            defaults={
                "full_name": row.get("full_name", ""),
                "kind": row["kind"],
                "order": order,
                "is_sample": row.get("is_sample", False),
            },
        )
    mayors = {}
    for order, row in enumerate(data["mayors"], start=1):
        mayors[row["name"]], _ = ViceMayor.objects.update_or_create(
            jurisdiction=place,
            name=row["name"],
            defaults={
                "title": row.get("title", "副市长"),
                "portfolio": row.get("portfolio", ""),
                "order": order,
            },
        )
    persons = {}
    for row in data["persons"]:
        persons[(row["unit"], row["name"])], _ = Person.objects.update_or_create(
            unit=units[row["unit"]],
            name=row["name"],
            defaults={"title": row.get("title", ""), "phone": row.get("phone", "")},
        )

    p = data["plan"]
    plan, _ = PlanYear.objects.update_or_create(
        jurisdiction=place,
        year=p["year"],
        defaults={
            "doc_number": p.get("doc_number", ""),
            "title": p["title"],
            "issue_date": _date(p.get("issue_date")),
        },
    )

    users = _load_users(data.get("users", []), units, mayors, password)
    author_for_unit = {
        u.membership.unit_id: u
        for u in users.values()
        if roles.has_role(u, roles.CLERK) and hasattr(u, "membership")
    }
    reviewer = next((u for u in users.values() if roles.has_role(u, roles.REVIEWER)), None)

    for row in data["projects"]:
        project, _ = Project.objects.update_or_create(
            plan=plan,
            number=row["number"],
            defaults={
                "name": row["name"],
                "category": row.get("category", "other"),
                "target": row.get("target", ""),
                "measures": row.get("measures", ""),
                "guarantees": row.get("guarantees", ""),
                "trades": row.get("trades", ""),
                "mayor": mayors.get(row.get("mayor")),
                "is_sample": row.get("sample", True),
            },
        )
        for order, (unit_name, person_name) in enumerate(row["units"]):
            ProjectUnit.objects.update_or_create(
                project=project,
                unit=units[unit_name],
                defaults={
                    "person": persons.get((unit_name, person_name)),
                    "is_lead": order == 0,
                    "order": order,
                },
            )
        lead_unit = units[row["units"][0][0]]
        for number, sub in enumerate(row.get("subitems", []), start=1):
            subitem, _ = SubItem.objects.update_or_create(
                project=project,
                number=number,
                defaults={
                    "name": sub["name"],
                    "description": sub.get("description", ""),
                    "unit": units[sub["unit"]],
                    "person": persons.get((sub["unit"], sub.get("person"))),
                    "mayor": mayors.get(sub.get("mayor")),
                },
            )
            _load_milestones(
                project, subitem, subitem.unit, sub.get("milestones", []), author_for_unit, reviewer
            )
            _load_indicators(project, subitem, sub.get("indicators", []))
        _load_milestones(
            project, None, lead_unit, row.get("milestones", []), author_for_unit, reviewer
        )
        _load_indicators(project, None, row.get("indicators", []))

    _demo_pending_reports(plan, author_for_unit, users, reviewer)
    return plan, units, mayors, persons, users


def _load_milestones(project, subitem, unit, rows, author_for_unit, reviewer) -> None:
    for row in rows:
        done = _date(row.get("done"))
        due = _date(row["due"])
        # An approved 延期申请 moved the due date (the fixture's is then the original):
        # loading again keeps the extension.
        extended = (
            Milestone.objects.filter(
                project=project, subitem=subitem, name=row["name"], original_due_date=due
            )
            .values_list("due_date", flat=True)
            .first()
        )
        milestone, _ = Milestone.objects.update_or_create(
            project=project,
            subitem=subitem,
            name=row["name"],
            defaults={
                "unit": unit,
                "due_date": extended or due,
                "done_date": done,
                "status": Milestone.Status.DONE if done else Milestone.Status.NOT_STARTED,
                "percent": 100 if done else 0,
            },
        )
        author = author_for_unit.get(unit.pk) or reviewer
        if done and author and not milestone.reports.exists():
            _demo_report(milestone, author, reviewer, done)


def _demo_report(milestone, author, reviewer, done: dt.date) -> None:
    """An accepted "done" report, so the demo has history to show."""
    reported_at = timezone.make_aware(dt.datetime.combine(done, dt.time(16, 30)))
    report = ProgressReport.objects.create(
        milestone=milestone,
        author=author,
        status=Milestone.Status.DONE,
        percent=100,
        narrative=(
            f"{milestone.name}已按计划完成，相关材料已归档。"
            if status.is_on_time(due_date=milestone.due_date, done_date=done, today=done)
            else f"{milestone.name}已完成，晚于完成时限，相关材料已归档。"
        ),
        done_date=done,
    )
    report.review_state = ProgressReport.Review.ACCEPTED
    report.reviewed_by = reviewer
    report.reviewed_at = reported_at + dt.timedelta(days=1)
    report.save(update_fields=["review_state", "reviewed_by", "reviewed_at"])
    _backdate(report, reported_at)


def _backdate(report: ProgressReport, at: dt.datetime) -> None:
    """created_at is auto_now_add; give the demo a believable date, in the
    report's history rows too (they are copies of the row)."""
    ProgressReport.objects.filter(pk=report.pk).update(created_at=at)
    ProgressReport.history.filter(id=report.pk).update(created_at=at)


def _demo_pending_reports(plan, author_for_unit, users, reviewer) -> None:
    """A few reports still in review, so /review/ and /my/ have something to show,
    on each clerk's earliest open milestones: waiting for the mayor's office,
    waiting for the unit head, returned (a unit without a head: returned only)."""
    heads = {u.membership.unit_id: u for u in users.values() if roles.has_role(u, roles.UNIT_HEAD)}
    Review = ProgressReport.Review
    for unit_id, author in author_for_unit.items():
        open_ = Milestone.objects.filter(project__plan=plan, unit_id=unit_id).open()
        if ProgressReport.objects.filter(milestone__in=open_).exists():
            continue  # loaded before
        head = heads.get(unit_id)
        states = (
            [Review.HEAD_APPROVED, Review.SUBMITTED, Review.RETURNED] if head else [Review.RETURNED]
        )
        for n, (milestone, state) in enumerate(
            zip(open_.order_by("due_date", "pk"), states, strict=False)
        ):
            at = timezone.make_aware(dt.datetime(plan.year, 9, 20 + n, 9, 30))
            report = ProgressReport.objects.create(
                milestone=milestone,
                author=author,
                status=Milestone.Status.IN_PROGRESS,
                percent=60 + 10 * n,
                narrative=f"{milestone.name}正在推进，主要工作已完成，剩余材料本月底前报送。",
            )
            if state == Review.HEAD_APPROVED:
                report.head_approved_by, report.head_approved_at = head, at
            elif state == Review.RETURNED:
                report.reviewed_by, report.reviewed_at = reviewer, at + dt.timedelta(days=1)
                report.return_reason = "进展情况过于简略，请补充具体数字和佐证材料。"
            report.review_state = state
            report.save(update_fields=sorted(ProgressReport.REVIEW_FIELDS))
            _backdate(report, at)


def _decimal(row: dict, key: str) -> Decimal | None:
    value = row.get(key)
    return None if value is None else Decimal(str(value))


def _load_indicators(project, subitem, rows) -> None:
    for row in rows:
        Indicator.objects.update_or_create(
            project=project,
            subitem=subitem,
            name=row["name"],
            defaults={
                "measure": row.get("measure", ""),
                "baseline": _decimal(row, "baseline"),
                "target": _decimal(row, "target"),
                "direction": row.get("direction", Indicator.Direction.INCREASE),
                "actual": _decimal(row, "actual"),
            },
        )


def _load_users(rows, units, mayors, password) -> dict:
    User = get_user_model()
    users = {}
    for row in rows:
        user, _ = User.objects.get_or_create(username=row["username"])
        user.first_name = row.get("display", "")[:150]
        user.email = f"{row['username']}@example.gov.cn"
        user.is_staff = row["role"] == "admin"
        user.is_superuser = row["role"] == "admin"
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=ROLE_GROUPS[row["role"]])])
        Membership.objects.update_or_create(user=user, defaults={"unit": units[row["unit"]]})
        mayor = mayors[row["mayor"]] if row.get("mayor") else None
        if mayor is not None and mayor.user_id != user.pk:
            mayor.user = user
            mayor.save(update_fields=touch_fields(ViceMayor, ["user"]))
        user = User.objects.select_related("membership__unit").get(pk=user.pk)
        users[row["username"]] = user
    return users


# --- 督办 (sample data) -------------------------------------------------------------------


def _milestone(plan: PlanYear, unit: str, name: str) -> Milestone:
    return Milestone.objects.select_related("project__plan", "unit", "subitem").get(
        project__plan=plan, unit__name=unit, name=name
    )


def _demo_supervision(plan: PlanYear, users: dict) -> None:
    """The 督办 loop in every state, told over the demo's past days through the real
    services (``clock.as_of``), marked as sample data: a closed 催办单 of 质监局 about a
    milestone it then finished late; a 催办单 nobody acknowledged, escalated by the
    daily run to a 督办单 that 质监局 acknowledged and has yet to answer; a new
    催办单 waiting to be acknowledged; a 商务局 answer waiting for the office; and a
    unit nobody can e-mail. Loaded once: skipped when the year has any 督办单."""
    if Supervision.objects.filter(plan=plan).exists():
        return
    office, clerk, head = users.get("dubanshi"), users.get("zhijian"), users.get("zhijian_head")
    shangwu = users.get("shangwu")
    if not (office and clerk and head and shangwu):
        return
    cuiban = supervision.supervision_ladder_ensure()[0]
    quiet = get_connection("django.core.mail.backends.locmem.EmailBackend")
    items: list[Supervision] = []

    def send(day: dt.date, unit: str, names: list[str], text: str) -> Supervision:
        with clock.as_of(day):
            [item] = supervision.supervision_send(
                milestones=[_milestone(plan, unit, n) for n in names],
                level=cuiban,
                sender=office,
                text=text,
                connection=quiet,
            )
        items.append(item)
        return item

    year = plan.year
    # 1. 交办 → 签收 → 反馈 → 销号, about a milestone finished three days late.
    closed = send(
        dt.date(year, 7, 21),
        "质监局",
        ["完成汛期特种设备专项检查"],
        "汛期将至，请于7月23日前完成专项检查并反馈。",
    )
    with clock.as_of(dt.date(year, 7, 21)):
        supervision.supervision_acknowledge(item=closed, user=clerk)
    with clock.as_of(dt.date(year, 7, 23)):
        supervision.supervision_answer(
            item=closed,
            user=clerk,
            text="已完成全市汛期特种设备专项检查，排查隐患12处，已全部整改。",
        )
    with clock.as_of(dt.date(year, 7, 26)):
        supervision.supervision_close(item=closed, user=office, note="检查已完成，准予销号。")

    # 2. Not acknowledged in time: the daily run escalates it to a 督办单, acknowledged.
    send(
        dt.date(year, 9, 26),
        "质监局",
        ["完成重点用能单位能源计量审查", "完成食品小作坊集中整治"],
        "两项工作均已逾期，请说明原因并提出完成时限。",
    )
    with clock.as_of(dt.date(year, 9, 28)):
        run = supervision.supervision_escalate_due(connection=quiet)
    for _old, successor in run.escalated:
        items.append(successor)
        with clock.as_of(dt.date(year, 9, 29)):
            supervision.supervision_acknowledge(item=successor, user=head)

    # 3. Sent today, waiting to be acknowledged.
    send(
        dt.date(year, 9, 30),
        "质监局",
        ["完成地理标志保护产品申报材料并上报", "完成规模以上企业质量信用档案"],
        "请于10月8日前报送申报材料和信用档案建设进展。",
    )

    # 4. 商务局 has answered; the office has yet to close it.
    overdue = (
        Milestone.objects.filter(project__plan=plan, unit__name="商务局")
        .overdue(dt.date(year, 9, 20))
        .order_by("due_date", "pk")
        .values_list("name", flat=True)[:1]
    )
    if overdue:
        answered = send(dt.date(year, 9, 20), "商务局", list(overdue), "请抓紧推进并反馈进展。")
        with clock.as_of(dt.date(year, 9, 21)):
            supervision.supervision_answer(
                item=answered, user=shangwu, text="已召集相关企业部署，预计10月15日前完成。"
            )

    # 5. A unit nobody can e-mail: the office sees 无收件人.
    reachable = supervision.recipients_by_unit(
        Milestone.objects.filter(project__plan=plan).values_list("unit", flat=True).distinct()
    )
    silent = (
        Milestone.objects.filter(project__plan=plan)
        .overdue(dt.date(year, 9, 29))
        .exclude(unit_id__in=list(reachable))
        .order_by("unit__order", "due_date", "pk")
        .select_related("unit")
        .first()
    )
    if silent is not None:
        send(dt.date(year, 9, 29), silent.unit.name, [silent.name], "请抓紧推进并反馈进展。")

    for item in Supervision.objects.filter(pk__in=[i.pk for i in items]):
        item.is_sample = True
        item._history_user = office
        item.save(update_fields=touch_fields(Supervision, ["is_sample"]))


# --- 延期申请 (sample data) ---------------------------------------------------------------


def _demo_extensions(plan: PlanYear, users: dict) -> None:
    """Two 延期申请 of 质监局 through the real services (``clock.as_of``), marked as
    sample data: one the head and the office approved (the milestone's due date
    moved, the original kept), one the office refused. Loaded once: skipped when
    the year has any extension request."""
    if DeadlineExtension.objects.filter(milestone__project__plan=plan).exists():
        return
    office, clerk, head = users.get("dubanshi"), users.get("zhijian"), users.get("zhijian_head")
    if not (office and clerk and head):
        return
    year = plan.year
    stories = [
        (
            "完成国庆节前电梯安全专项检查",
            dt.date(year, 10, 8),
            "国庆前后电梯使用高峰，部分小区维保单位10月初才能配合停梯检查。",
            "全市在用电梯1,236台已检查1,020台，剩余216台集中在新建小区。",
            dt.date(year, 9, 24),
            review.Action.ACCEPT,
            "",
        ),
        (
            "组织示范区建设中期检查",
            dt.date(year, 10, 31),
            "示范区建设单位申请推迟中期检查，以便完成第二批标准宣贯。",
            "中期检查方案已制定，检查组人员已落实。",
            dt.date(year, 9, 27),
            review.Action.RETURN,
            "中期检查时间已报省局备案，不宜推迟；请按原定时限组织检查。",
        ),
    ]
    for name, new_date, reason, progress, day, decision, refusal in stories:
        milestone = _milestone(plan, "质监局", name)
        with clock.as_of(day):
            request = extensions.extension_request(
                milestone=milestone,
                user=clerk,
                new_due_date=new_date,
                reason=reason,
                progress=progress,
            )
        with clock.as_of(day + dt.timedelta(days=1)):
            request = extensions.extension_decide(
                extension=request, user=head, action=review.Action.APPROVE
            )
        with clock.as_of(day + dt.timedelta(days=2)):
            request = extensions.extension_decide(
                extension=request, user=office, action=decision, reason=refusal
            )
        request.is_sample = True
        request._history_user = office
        request.save(update_fields=["is_sample"])
