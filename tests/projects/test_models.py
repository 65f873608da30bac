import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import Indicator, Milestone, ProgressReport, ProjectUnit
from tests import factories


def test_str_is_what_a_clerk_recognises(city):
    city.project2.number = 16
    assert str(city.project2) == "第16项 提高服务质量"
    assert str(city.sub_zhijian) == "1-1 名牌培育"


def test_project_number_is_unique_per_year(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProjectFactory(plan=city.plan, number=1)


def test_same_number_in_another_year_is_allowed(city):
    other = factories.PlanYearFactory(year=2011)
    assert factories.ProjectFactory(plan=other, number=1).pk


def test_a_project_has_at_most_one_lead_unit(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectUnit.objects.filter(project=city.project1).update(is_lead=True)


def test_milestone_cannot_be_done_before_it_starts(city):
    m = city.ms_zhijian
    m.start_date = dt.date(2010, 5, 1)
    m.done_date = dt.date(2010, 4, 1)
    m.status = Milestone.Status.DONE
    with pytest.raises(IntegrityError), transaction.atomic():
        m.save()


def test_done_status_and_done_date_go_together(city):
    m = city.ms_zhijian
    m.status = Milestone.Status.DONE
    with pytest.raises(IntegrityError), transaction.atomic():
        m.save()


def test_indicator_target_cannot_be_negative(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(project=city.project1, name="名牌数", target=-1)


def test_milestone_clean_refuses_a_deadline_outside_the_plan_year(city):
    m = city.ms_zhijian
    m.due_date = dt.date(2011, 1, 15)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "不在 2010 年度内" in str(exc.value.message_dict["due_date"])


def test_milestone_clean_refuses_done_before_start_in_chinese(city):
    m = city.ms_zhijian
    m.start_date = dt.date(2010, 5, 1)
    m.done_date = dt.date(2010, 4, 1)
    m.status = Milestone.Status.DONE
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert exc.value.message_dict["done_date"] == ["完成日期不能早于开始日期。"]


def test_subitem_unit_must_be_one_of_the_projects_units(city):
    outsider = factories.UnitFactory(name="林业局")
    sub = city.project2.subitems.model(project=city.project2, number=9, name="造林", unit=outsider)
    with pytest.raises(ValidationError) as exc:
        sub.full_clean()
    assert "不是该项目的责任单位" in exc.value.message_dict["unit"][0]


def test_person_must_belong_to_the_unit(city):
    stranger = factories.PersonFactory(name="钟兆湘", unit=factories.UnitFactory(name="卫生局"))
    assignment = ProjectUnit(project=city.project2, unit=city.shangwu, person=stranger)
    with pytest.raises(ValidationError) as exc:
        assignment.full_clean()
    assert "不属于“商务局”" in exc.value.message_dict["person"][0]


def test_progress_report_is_append_only(city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    report.narrative = "改写历史"
    with pytest.raises(ValueError):
        report.save()
    report.refresh_from_db()
    assert report.narrative == "推进中"


def test_progress_report_review_fields_may_change(city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    report.review_state = ProgressReport.Review.RETURNED
    report.return_reason = "缺少佐证材料"
    report.save(update_fields=["review_state", "return_reason"])
    report.refresh_from_db()
    assert report.review_state == ProgressReport.Review.RETURNED


def test_returned_report_needs_a_reason(city):
    report = factories.make_report(city.ms_zhijian, city.alice)
    report.review_state = ProgressReport.Review.RETURNED
    with pytest.raises(IntegrityError), transaction.atomic():
        report.save(update_fields=["review_state"])


def test_plan_changes_are_kept_in_history(city):
    city.project1.name = "提高产品质量水平"
    city.project1.save()
    names = [h.name for h in city.project1.history.all()]
    assert names[:2] == ["提高产品质量水平", "提高产品质量"]


def test_project_str_follows_the_ui_language(city):
    from django.utils import translation

    with translation.override("en"):
        assert str(city.project2) == "No. 2 提高服务质量"
    assert str(city.project2) == "第2项 提高服务质量"
