"""Migrations move an existing database forward without loss.

The assessment models moved from ``responsibility`` to their own app
(responsibility 0005, assessment 0001, state only). A database built before the
move (the schema of those two apps' previous migrations, as ``make run`` made it)
is filled through the historical models of that schema, migrated forward, and
read back through today's models. The test database itself is built from an
empty one by the same migrations, so "from empty" is exercised by every run.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_MOVE = [
    ("responsibility", "0004_assessment_source_label"),
    ("projects", "0002_reminder"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_assessment_rows_and_permissions():
    old = _migrate(BEFORE_MOVE)
    OldUnit = old.get_model("responsibility", "Unit")
    OldScheme = old.get_model("responsibility", "AssessmentScheme")
    OldCategory = old.get_model("responsibility", "AssessmentCategory")
    OldItem = old.get_model("responsibility", "AssessmentItem")
    OldEntry = old.get_model("responsibility", "AssessmentEntry")
    OldResult = old.get_model("responsibility", "AssessmentResult")
    OldHistory = old.get_model("responsibility", "HistoricalAssessmentScheme")
    OldPlan = old.get_model("projects", "PlanYear")
    OldContentType = old.get_model("contenttypes", "ContentType")
    OldPermission = old.get_model("auth", "Permission")
    OldGroup = old.get_model("auth", "Group")

    unit = OldUnit.objects.create(name="质监局", full_name="诸城市质量技术监督局", kind="bureau")
    OldPlan.objects.create(year=2010, doc_number="诸政发〔2010〕12号", title="2010年责任制")
    scheme = OldScheme.objects.create(
        year=2010, name="2010年度市直部门考核办法", unit_kind="bureau"
    )
    category = OldCategory.objects.create(scheme=scheme, name="工作目标", max_points=Decimal(100))
    item = OldItem.objects.create(
        category=category, name="进度节点按期完成", max_points=Decimal(20), rule_kind="fixed"
    )
    OldUser = old.get_model("auth", "User")
    clerk = OldUser.objects.create(username="dubanshi")
    OldEntry.objects.create(
        item=item, unit=unit, value=Decimal(3), reason="依据：月报", entered_by=clerk
    )
    OldResult.objects.create(scheme=scheme, unit=unit, total=Decimal("87.50"), rank=1, grade="good")
    OldHistory.objects.create(
        id=scheme.pk,
        year=2010,
        name=scheme.name,
        unit_kind="bureau",
        history_date=dt.datetime(2010, 9, 30, tzinfo=dt.UTC),
        history_type="+",
    )
    # A permission given to a group on a moved model, as an administrator might have.
    scheme_type, _ = OldContentType.objects.get_or_create(
        app_label="responsibility", model="assessmentscheme"
    )
    permission, _ = OldPermission.objects.get_or_create(
        content_type=scheme_type, codename="view_assessmentscheme", defaults={"name": "查看"}
    )
    group = OldGroup.objects.create(name="考核办")
    group.permissions.add(permission)

    _migrate(_latest())

    from assessment.models import (
        AssessmentEntry,
        AssessmentItem,
        AssessmentResult,
        AssessmentScheme,
    )

    moved = AssessmentScheme.objects.get()
    assert (moved.pk, moved.year, moved.name) == (scheme.pk, 2010, "2010年度市直部门考核办法")
    assert AssessmentItem.objects.get().category.scheme == moved
    entry = AssessmentEntry.objects.get()
    assert (entry.unit.name, entry.value, entry.reason) == ("质监局", Decimal(3), "依据：月报")
    assert entry.entered_by.username == "dubanshi"
    result = AssessmentResult.objects.get()
    assert (result.total, result.rank) == (Decimal("87.50"), 1)
    assert moved.history.count() == 1
    # The content type was renamed, not made anew: the group keeps its permission.
    assert ContentType.objects.get_for_model(AssessmentScheme).pk == scheme_type.pk
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "assessment"
    assert Group.objects.get(name="考核办").permissions.filter(pk=permission.pk).exists()
    assert not ContentType.objects.filter(
        app_label="responsibility", model="assessmentscheme"
    ).exists()


BEFORE_JURISDICTIONS = [
    ("responsibility", "0005_assessment_moves_to_its_own_app"),
    ("projects", "0009_import_run"),
    ("assessment", "0006_compute_run"),
]


@pytest.mark.django_db(transaction=True)
def test_a_single_city_database_moves_into_its_home_jurisdiction_with_nothing_lost(settings):
    """Issue 17: a database of one city (no jurisdictions) is migrated forward; its
    units, vice-mayors, plans and schemes all belong to the home jurisdiction,
    which is created once, and every row and name is kept."""
    settings.ZHUCHENG_HOME_JURISDICTION = "诸城市"
    old = _migrate(BEFORE_JURISDICTIONS)
    OldUnit = old.get_model("responsibility", "Unit")
    OldMayor = old.get_model("responsibility", "ViceMayor")
    OldPlan = old.get_model("projects", "PlanYear")
    OldPlanHistory = old.get_model("projects", "HistoricalPlanYear")
    OldProject = old.get_model("projects", "Project")
    OldScheme = old.get_model("assessment", "AssessmentScheme")

    bureau = OldUnit.objects.create(name="质监局", full_name="诸城市质量技术监督局")
    county = OldUnit.objects.create(name="海门街道", kind="township")
    OldMayor.objects.create(name="王世和")
    plans = [OldPlan.objects.create(year=year, title=f"{year}年责任制") for year in (2010, 2011)]
    OldPlanHistory.objects.create(
        id=plans[0].pk,
        year=2010,
        title="2010年责任制",
        is_closed=False,
        updated_at=dt.datetime(2010, 3, 1, tzinfo=dt.UTC),
        history_date=dt.datetime(2010, 3, 1, tzinfo=dt.UTC),
        history_type="+",
    )
    OldProject.objects.create(plan=plans[0], number=16, name="电梯安全", category="product")
    OldScheme.objects.create(year=2010, name="2010年度考核办法", unit_kind="bureau")

    _migrate(_latest())

    from assessment.models import AssessmentScheme
    from projects.models import PlanYear, Project
    from responsibility.models import Unit, ViceMayor

    home = Unit.objects.get(jurisdiction__isnull=True)
    assert (home.name, home.kind) == ("诸城市", Unit.Kind.CITY)
    assert Unit.objects.count() == 3
    assert set(Unit.objects.filter(jurisdiction=home).values_list("pk", flat=True)) == {
        bureau.pk,
        county.pk,
    }
    assert Unit.objects.get(pk=bureau.pk).full_name == "诸城市质量技术监督局"
    assert ViceMayor.objects.get().jurisdiction == home
    assert list(PlanYear.objects.order_by("year").values_list("year", "jurisdiction")) == [
        (2010, home.pk),
        (2011, home.pk),
    ]
    assert PlanYear.objects.get(year=2010).history.get().jurisdiction_id == home.pk
    assert Project.objects.get().plan.year == 2010
    assert AssessmentScheme.objects.get().jurisdiction == home


@pytest.mark.django_db(transaction=True)
def test_an_empty_database_gets_no_jurisdiction_from_the_migrations():
    _migrate(BEFORE_JURISDICTIONS)
    _migrate(_latest())
    from responsibility.models import Unit

    assert not Unit.objects.exists()
