import datetime as dt

import pytest
import time_machine

from projects.models import Milestone, Project, SubItem
from projects.status import Colour
from tests import factories

# 2010-09-28 noon in Shanghai: ms_zhijian (06-30) is overdue, ms_shangwu (09-30)
# is due within the week, ms_project2 (10-31) is further off.
FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def test_for_year(city):
    factories.ProjectFactory(plan=factories.PlanYearFactory(year=2011), number=1)
    assert set(Project.objects.for_year(2010)) == {city.project1, city.project2}


def test_for_unit_includes_co_responsible_projects(city):
    assert set(Project.objects.for_unit(city.shangwu)) == {city.project1, city.project2}
    assert set(Project.objects.for_unit(city.zhijian)) == {city.project1}


def test_for_mayor_includes_projects_supervised_through_a_sub_item(city):
    assert set(Project.objects.for_mayor(city.mayor)) == {city.project1}
    city.sub_shangwu.mayor = city.other_mayor
    city.sub_shangwu.save()
    assert set(Project.objects.for_mayor(city.other_mayor)) == {city.project1, city.project2}


def test_milestones_overdue_and_due_within(city, frozen):
    assert list(Milestone.objects.overdue()) == [city.ms_zhijian]
    assert list(Milestone.objects.due_within(7)) == [city.ms_shangwu]
    assert set(Milestone.objects.due_within(40)) == {city.ms_shangwu, city.ms_project2}


def test_a_done_milestone_is_never_overdue(city, frozen):
    city.ms_zhijian.done_date = dt.date(2010, 7, 2)
    city.ms_zhijian.status = Milestone.Status.DONE
    city.ms_zhijian.save()
    assert not Milestone.objects.overdue().exists()


def test_project_querysets_overdue_and_due_within(city, frozen):
    assert list(Project.objects.overdue()) == [city.project1]
    assert list(Project.objects.due_within(7)) == [city.project1]
    assert list(Project.objects.due_within(40).order_by("number")) == [city.project1, city.project2]


def test_subitem_querysets(city, frozen):
    assert list(SubItem.objects.for_unit(city.shangwu)) == [city.sub_shangwu]
    assert list(SubItem.objects.overdue()) == [city.sub_zhijian]
    assert list(SubItem.objects.for_mayor(city.mayor).order_by("number")) == [
        city.sub_zhijian,
        city.sub_shangwu,
    ]


def test_with_progress_colours_agree_with_the_status_rule(city, frozen):
    projects = {p.number: p for p in Project.objects.with_progress()}
    assert projects[1].colour is Colour.RED
    assert (projects[1].ms_total, projects[1].ms_done, projects[1].ms_amber) == (2, 0, 1)
    assert projects[2].colour is Colour.GREEN
    assert city.ms_shangwu.colour() is Colour.AMBER


def test_with_progress_percent(city, frozen):
    city.ms_zhijian.done_date = dt.date(2010, 6, 28)
    city.ms_zhijian.status = Milestone.Status.DONE
    city.ms_zhijian.save()
    project = Project.objects.with_progress().get(pk=city.project1.pk)
    assert project.percent == 50
    assert project.colour is Colour.AMBER


def test_for_list_does_not_grow_queries(city, django_assert_num_queries):
    for n in range(3, 13):
        p = factories.ProjectFactory(plan=city.plan, number=n)
        factories.ProjectUnitFactory(project=p, unit=city.zhijian)
    with django_assert_num_queries(2):
        rows = [
            (p.mayor.name, [a.unit.name for a in p.assignments.all()])
            for p in Project.objects.for_list().with_progress()
        ]
    assert len(rows) == 12


def _finish(milestone, done: dt.date) -> None:
    milestone.done_date, milestone.status = done, Milestone.Status.DONE
    milestone.save()


def test_done_late_and_done_on_time(city, frozen):
    _finish(city.ms_zhijian, dt.date(2010, 7, 2))  # due 06-30: two days late
    _finish(city.ms_shangwu, dt.date(2010, 9, 27))  # due 09-30: on time
    assert list(Milestone.objects.done_late()) == [city.ms_zhijian]
    assert list(Milestone.objects.done_on_time()) == [city.ms_shangwu]
    # As of a day before the late completion it was overdue, not late.
    assert not Milestone.objects.done_late(dt.date(2010, 7, 1)).exists()
    assert list(Milestone.objects.overdue(dt.date(2010, 7, 1))) == [city.ms_zhijian]


def test_a_project_done_late_is_late_not_green(city, frozen):
    _finish(city.ms_zhijian, dt.date(2010, 7, 2))
    _finish(city.ms_shangwu, dt.date(2010, 9, 27))
    project = Project.objects.with_progress().get(pk=city.project1.pk)
    assert (project.ms_done, project.ms_due, project.ms_due_on_time, project.ms_late) == (
        2,
        1,
        0,
        1,
    )
    assert project.colour is Colour.LATE
    assert project.on_time_percent == 0
    assert project.percent == 100
    # Nothing due yet: no on-time rate at all (not 0 %, not 100 %).
    assert Project.objects.with_progress().get(pk=city.project2.pk).on_time_percent is None


def test_milestone_words_and_days_late(city, frozen):
    _finish(city.ms_zhijian, dt.date(2010, 7, 2))
    assert city.ms_zhijian.colour() is Colour.LATE
    assert city.ms_zhijian.days_late() == 2
    assert city.ms_zhijian.status_label() == "逾期完成"
    assert city.ms_zhijian.status_words() == "逾期完成 2天"
    _finish(city.ms_shangwu, dt.date(2010, 9, 27))
    assert city.ms_shangwu.status_words() == "按期完成"
    assert city.ms_project2.status_words() == "正常"
    overdue = factories.MilestoneFactory(
        project=city.project2, unit=city.shangwu, due_date=dt.date(2010, 9, 20)
    )
    assert overdue.status_words() == "逾期未完成 8天"
