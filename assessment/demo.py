"""Load the 2010 demo assessment: the bureau scheme and the raw values of the
20 demo bureaus, then compute the ranking. Called by ``load_demo`` after the
plan (``projects.services.demo``), because linked items read its milestones
and indicators. Idempotent; a published scheme is left as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from assessment import scoring, services
from assessment.models import (
    AssessmentCategory,
    AssessmentEntry,
    AssessmentItem,
    AssessmentScheme,
    Objection,
)
from assessment.procedure import Stage
from assessment.services import steps
from common import clock
from projects.models import SupervisionLevel
from responsibility.models import Unit

ASSESSMENT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "assessment_2010.json"

ITEM_NUMBERS = [
    "max_points",
    "points_done",
    "points_partly",
    "points_not_done",
    "money_done",
    "money_partly",
    "money_not_done",
    "per_points",
    "per_money",
]


class _RawFields(TypedDict):
    value: Decimal | None
    state: str
    target: Decimal | None


@dataclasses.dataclass
class AssessmentDemoSummary:
    scheme: AssessmentScheme
    items: int
    entries: int
    units: int


def _d(value) -> Decimal:
    return Decimal(str(value))


def scheme_load(
    *, definition: dict, scheme: AssessmentScheme | None = None, year: int | None = None
) -> tuple[AssessmentScheme, dict[str, AssessmentItem]]:
    """Create or update a scheme, its categories and items from a definition in
    the fixture's format (also used by the benchmark for other years)."""
    s = definition
    year = year or s["year"]
    scheme = scheme or AssessmentScheme(year=year, unit_kind=s["unit_kind"])
    scheme.name = s["name"].replace(str(s["year"]), str(year))
    for field in ("total_points", "excellent_from", "good_from", "pass_from", "bonus_cap"):
        setattr(scheme, field, _d(s[field]))
    scheme.title_name = s.get("title_name", "")
    scheme.title_from = _d(s["title_from"]) if s.get("title_from") is not None else None
    scheme.full_clean()
    scheme.save()

    items = {}
    for c_order, c in enumerate(s["categories"], start=1):
        category, _ = AssessmentCategory.objects.update_or_create(
            scheme=scheme,
            name=c["name"],
            defaults={"order": c_order, "max_points": _d(c["max_points"])},
        )
        for i_order, row in enumerate(c["items"], start=1):
            defaults: dict[str, object] = {f: _d(row.get(f, 0)) for f in ITEM_NUMBERS}
            defaults.update(
                order=i_order,
                method=row.get("method", ""),
                rule_kind=row["rule_kind"],
                is_bonus=row.get("is_bonus", False),
                tiers=scoring.tiers_to_json(scoring.parse_tiers(row["tiers"]))
                if row.get("tiers")
                else [],
                source=row.get("source", AssessmentItem.Source.MANUAL),
                target=_d(row["target"]) if row.get("target") is not None else None,
                late_credit=_d(row.get("late_credit", 0)),
                supervision_level=(
                    SupervisionLevel.objects.get(name=row["supervision_level"])
                    if row.get("supervision_level")
                    else None
                ),
            )
            item, _ = AssessmentItem.objects.update_or_create(
                category=category, name=row["name"], defaults=defaults
            )
            item.full_clean()
            items[item.name] = item

    return scheme, items


@transaction.atomic
def assessment_demo_load(*, path: Path = ASSESSMENT_FIXTURE) -> AssessmentDemoSummary | None:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    s = data["scheme"]
    # The demo's scheme is the home jurisdiction's (诸城市): its bureaus are the units.
    scheme = AssessmentScheme.objects.for_year(s["year"]).filter(unit_kind=s["unit_kind"]).first()
    if scheme is not None and scheme.stage != Stage.DRAFT:
        return None  # the procedure is under way: loading again leaves it as it is
    scheme, items = scheme_load(definition=s, scheme=scheme)

    reviewer = get_user_model().objects.get(username=data["reviewer"])
    units = {
        u.name: u
        for u in Unit.objects.filter(
            name__in=data["entries"].keys(), jurisdiction_id=scheme.jurisdiction_id
        )
    }
    count = 0
    for unit_name, values in data["entries"].items():
        for item_name, raw in values.items():
            item = items[item_name]
            fields: _RawFields = {"value": None, "state": "", "target": None}
            if item.reads_state:
                fields["state"] = raw
            elif isinstance(raw, list):
                fields["value"], fields["target"] = _d(raw[0]), _d(raw[1])
            else:
                fields["value"] = _d(raw)
            entry = AssessmentEntry.objects.filter(item=item, unit=units[unit_name]).first()
            if entry is None or any(getattr(entry, k) != v for k, v in fields.items()):
                services.assessment_enter_raw(
                    item=item,
                    unit=units[unit_name],
                    by=reviewer,
                    reason="年终考核组现场检查核实（演示数据）",
                    evidence_ref="诸城市质量兴市工作考核组检查记录",
                    recompute=False,
                    **fields,
                )
            count += 1
    services.assessment_compute(scheme=scheme)
    _demo_procedure(scheme, items, reviewer)
    scheme.refresh_from_db()
    return AssessmentDemoSummary(scheme=scheme, items=len(items), entries=count, units=len(units))


def _demo_procedure(scheme: AssessmentScheme, items: dict, reviewer) -> None:
    """The demo year's procedure, told over its days through the real services
    (``clock.as_of``): 自评 opens, 质监局 assesses two items itself, the office
    verifies them (one accepted, one adjusted), the results go into 公示, and
    质监局's head objects to two items: one answered (upheld: the adjusted record
    count is withdrawn), one still open.
    The objections are marked as sample data."""
    User = get_user_model()
    clerk = User.objects.filter(username="zhijian").first()
    head = User.objects.filter(username="zhijian_head").first()
    zhijian = Unit.objects.filter(name="质监局").first()
    if not (clerk and head and zhijian):
        return
    year = scheme.year

    def on(month: int, day: int):
        return clock.as_of(dt.date(year, month, day))

    with on(9, 20):
        steps.scheme_move(scheme=scheme, target=Stage.SELF, by=reviewer)
    with on(9, 22):
        info = steps.self_entry_save(
            item=items["质量工作信息报送"],
            unit=zhijian,
            by=clerk,
            state="done",
            note="全年已报送质量工作信息9篇，其中2篇被省局简报采用。",
        )
        records = steps.self_entry_save(
            item=items["服务企业记录、检定记录"],
            unit=zhijian,
            by=clerk,
            value=Decimal(0),
            note="服务企业记录和检定记录齐全，无缺项。",
        )
    with on(9, 24):
        steps.scheme_move(scheme=scheme, target=Stage.VERIFY, by=reviewer)
    with on(9, 25):
        steps.self_entry_verify(entry=info, by=reviewer, accept=True)
        steps.self_entry_verify(
            entry=records,
            by=reviewer,
            accept=False,
            value=Decimal(1),
            reason="抽查发现2010年5月计量检定记录缺1份，按缺1项计。",
        )
    with on(9, 27):
        steps.scheme_move(scheme=scheme, target=Stage.NOTICE, by=reviewer)
    with on(9, 28):
        upheld = steps.objection_lodge(
            scheme=scheme,
            unit=zhijian,
            item=items["服务企业记录、检定记录"],
            by=head,
            reason="5月计量检定记录当时已归档在计量所，抽查时未调阅，请复核缺项认定。",
        )
        steps.objection_lodge(
            scheme=scheme,
            unit=zhijian,
            item=items["获国家级、省级质量荣誉"],
            by=head,
            reason="9月新获省级质量管理先进单位称号，文件已于9月26日印发，请予计入。",
        )
    with on(9, 29):
        steps.objection_answer(
            objection=upheld,
            by=reviewer,
            uphold=True,
            answer="经调阅计量所档案，5月检定记录齐全，缺项认定撤销。",
            change=steps.Change(value=Decimal(0)),
        )
    for objection in Objection.objects.filter(scheme=scheme):
        objection.is_sample = True
        objection._history_user = reviewer
        objection.save(update_fields=["is_sample"])
