"""The four printed reports of the demo year, read back with poppler.

The demo is loaded once for the module (``demo_loaded``, ~8 s a load): every test
here only reads it. Reports of other data are in test_pdf_reports.py.
"""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt

import pytest

from assessment.selectors import assessment_table, unit_card
from documents import pdfs as pdf
from projects.models import Milestone, Project, SubItem
from responsibility.models import (
    Unit,
    home_jurisdiction,
)
from tests.documents.pdf_support import (  # noqa: F401 — fixtures
    _empty_pdf_cache,
    assert_official_pdf,
    demo_day,
    home_plan,
    pdf_pages,
    squash,
    units_of_year,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_loaded, demo_day):
    return home_plan()


def test_annual_report_prints_every_project_and_unit_in_an_embedded_cjk_font(demo):
    rendered = pdf.annual_pdf(2010)

    text = assert_official_pdf(rendered.data, min_pages=4, max_pages=30)
    assert "诸城市人民政府" in text
    assert squash(demo.doc_number) in text
    assert "2010年度质量兴市项目化推进工作绩效考核报告" in text
    for name in Project.objects.filter(plan=home_plan()).values_list("name", flat=True):
        assert squash(name) in text, name
    for unit in units_of_year(2010):
        assert unit in text, unit
    assert "附件：各责任单位项目推进情况" in text
    # The demo year has a bureau scheme: its ranking, grades and money are printed.
    table = assessment_table(2010)
    assert squash(table.scheme_name) in text
    assert "奖励合计" in text and "扣罚合计" in text
    for row in table.rows:
        assert row.unit.name in text
    assert "考核结果尚未发布（未建立考核方案" not in text
    assert rendered.pages == pdf_pages(rendered.data)
    assert rendered.filename == "2010年度绩效考核报告.pdf"


def test_responsibility_table_prints_projects_subitems_units_persons_and_mayors(demo):
    data = pdf.responsibility_pdf(2010).data

    text = assert_official_pdf(data, min_pages=3, max_pages=30)
    assert "诸城市人民政府文件" in text
    assert squash(demo.doc_number) in text
    assert "责任分解表" in text
    for name in Project.objects.filter(plan=home_plan()).values_list("name", flat=True):
        assert squash(name) in text, name
    for unit in units_of_year(2010):
        assert unit in text, unit
    for sub in SubItem.objects.filter(project__plan=home_plan()).select_related(
        "person", "mayor", "project__mayor"
    ):
        assert squash(sub.name) in text, sub.name
        if sub.person:
            assert sub.person.name in text
        if sub.effective_mayor:
            assert sub.effective_mayor.name in text


def test_unit_card_shows_the_units_own_projects_only(demo):
    zhijian = Unit.objects.get(name="质监局", jurisdiction=home_jurisdiction())
    data = pdf.unit_pdf(2010, zhijian).data

    text = assert_official_pdf(data, min_pages=1, max_pages=10)
    assert "考核结果的通知" in text
    assert squash(zhijian.display_name) in text
    card = unit_card(2010, zhijian)
    assert f"第{card.result.rank}名/{card.units_ranked}" in text
    assert card.grade_label in text
    assert "考核项目得分明细" in text
    for item in card.items:
        assert squash(item.name) in text, item.name
    own = Project.objects.filter(plan=home_plan()).for_unit(zhijian)
    for name in own.values_list("name", flat=True):
        assert squash(name) in text, name
    others = Project.objects.filter(plan=home_plan()).exclude(pk__in=own.values("pk"))
    assert others.exists()
    for name in others.values_list("name", flat=True):
        assert squash(name) not in text, name


def test_bulletin_lists_what_is_overdue_and_due_soon_by_unit(demo):
    as_of = dt.date(2010, 9, 30)
    data = pdf.bulletin_pdf(as_of).data

    text = assert_official_pdf(data, min_pages=1, max_pages=20)
    assert "督查通报" in text
    assert "截至2010年9月30日" in text
    overdue = (
        Milestone.objects.filter(project__plan=home_plan()).overdue(as_of).select_related("unit")
    )
    soon = (
        Milestone.objects.filter(project__plan=home_plan())
        .due_within(7, as_of)
        .select_related("unit")
    )
    assert overdue.exists() and soon.exists()
    for milestone in [*overdue, *soon]:
        assert squash(milestone.name) in text, milestone.name
        assert milestone.unit.name in text
    # What was done on time is not in the bulletin; what was done late is, with its days.
    on_time = Milestone.objects.filter(project__plan=home_plan()).done_on_time(as_of).order_by("pk")
    late = (
        Milestone.objects.filter(project__plan=home_plan()).done_late(as_of).select_related("unit")
    )
    assert on_time.exists() and late.exists()
    names_late = {m.name for m in late}
    assert not any(squash(m.name) in text for m in on_time if m.name not in names_late)
    for milestone in late:
        assert squash(milestone.name) in text, milestone.name
        assert f"逾期完成{milestone.days_late(as_of)}天" in text
