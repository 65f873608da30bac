"""One owner per figure: what a page shows, its PDF and its XLSX export print the same.

Pages are read through the test client (their HTML), PDFs through poppler
(``pdf_support``), workbooks through openpyxl. Nothing is recomputed here: each
test takes the figures one consumer shows and looks for them in the other.
"""
# ruff: noqa: F811  (pytest fixtures imported from pdf_support)

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from assessment import scoring, services
from documents import pdfs as pdf
from projects.models import Milestone
from responsibility.models import Unit
from tests import factories
from tests.assessment import builders
from tests.documents.page_text import dashboard_units, page_as, table_rows
from tests.documents.pdf_support import (  # noqa: F401 — fixtures
    _empty_pdf_cache,
    demo_day,
    pdf_text,
)

pytestmark = pytest.mark.django_db


# --- Ranking: one function, ties share a rank -----------------------------------------


@pytest.fixture
def tied_city(city, demo_day):
    """Three bureaus: 质监局 and 商务局 both 1 of 2 milestones done and none late
    (a tie), 工商局 0 of 1. Competition ranking gives 1, 1, 3."""
    c = city
    for milestone, done in (
        (c.ms_zhijian, dt.date(2010, 6, 20)),
        (c.ms_shangwu, dt.date(2010, 9, 20)),
    ):
        milestone.status, milestone.done_date = Milestone.Status.DONE, done
        milestone.save()
    factories.MilestoneFactory(
        project=c.project1,
        subitem=c.sub_zhijian,
        unit=c.zhijian,
        name="名牌评审",
        due_date=dt.date(2010, 11, 30),
    )
    gongshang = factories.UnitFactory(name="工商局")
    project3 = factories.ProjectFactory(plan=c.plan, number=3, name="提高工程质量", mayor=c.mayor)
    factories.ProjectUnitFactory(project=project3, unit=gongshang, is_lead=True)
    factories.MilestoneFactory(
        project=project3, unit=gongshang, name="工程验收", due_date=dt.date(2010, 12, 15)
    )
    c.gongshang = gongshang
    return c


def test_dashboard_and_every_pdf_rank_tied_units_alike(tied_city, client):
    c = tied_city
    shown = dashboard_units(page_as(client, c.olivia, "/?year=2010"))

    assert [(u["rank"], u["done"], u["total"], u["red"]) for u in shown] == [
        (1, 1, 2, 0),
        (1, 1, 2, 0),
        (3, 0, 1, 0),
    ]
    # The annual report without an assessment scheme ranks the units by completion.
    annual = pdf_text(pdf.annual_pdf(2010).data)
    assert "考核结果尚未发布" in annual
    for u in shown:
        line = (
            rf"(?<!\d){u['rank']}{re.escape(u['name'])}{u['projects']}\d+"
            rf"{u['done']}/{u['total']}{u['red']}{u['amber']}{u['late']}{u['percent']}%"
            rf"{re.escape(u['on_time'])}"
        )
        assert re.search(line, annual), (line, u)
    # Each unit's card prints the same rank among the same number of ranked units.
    units = {u.name: u for u in Unit.objects.filter(name__in=[u["name"] for u in shown])}
    for u in shown:
        card = pdf_text(pdf.unit_pdf(2010, units[u["name"]]).data)
        assert f"第{u['rank']}名/{len(shown)}个单位" in card, u["name"]


def test_assessment_page_and_annual_pdf_rank_tied_results_alike(tied_city, client):
    c = tied_city
    scheme = builders.scheme(2010)
    work = builders.category(scheme, "重点工作", 100, order=1)
    item = builders.item(work, "重点工作完成情况", scoring.RuleKind.FIXED, 100, points_partly=D(50))
    for unit, state in ((c.zhijian, "done"), (c.shangwu, "done"), (c.gongshang, "partly")):
        services.assessment_enter_raw(
            item=item, unit=unit, by=c.olivia, reason="现场检查", state=state, recompute=False
        )
    services.assessment_compute(scheme=scheme)

    html = page_as(client, c.olivia, "/assessment/2010/")
    shown = [
        (int(cells[0]), cells[1])
        for cells in table_rows(html[html.index("<tbody>") :])
        if cells[0].isdigit()
    ]
    assert sorted(rank for rank, _name in shown) == [1, 1, 3]

    annual = pdf_text(pdf.annual_pdf(2010).data)
    tables = annual[annual.index("三、考核结果") : annual.index("四、图表")]
    # The same (rank, unit) pairs in the same order.
    in_order = ".*?".join(f"{rank}{re.escape(name)}" for rank, name in shown)
    assert re.search(in_order, tables), (in_order, tables)
    units = {u.name: u for u in Unit.objects.filter(name__in=[name for _rank, name in shown])}
    for rank, name in shown:
        card = pdf_text(pdf.unit_pdf(2010, units[name]).data)
        assert f"第{rank}名/{len(shown)}" in card, name
