import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from projects import access


def test_reviewer_and_admin_see_everything(city):
    for user in (city.olivia, city.adam):
        assert access.scope_for(user).sees_all
        assert access.visible_projects(user).count() == 2


def test_clerk_sees_only_projects_of_their_unit(city):
    assert list(access.visible_projects(city.alice)) == [city.project1]
    assert list(access.visible_milestones(city.alice)) == [city.ms_zhijian]


def test_vice_mayor_sees_only_their_portfolio(city):
    assert list(access.visible_projects(city.victor)) == [city.project1]


def test_clerk_gets_404_for_another_units_milestone(city):
    with pytest.raises(Http404):
        access.get_milestone(city.alice, city.ms_shangwu.pk)


def test_reviewer_may_read_but_not_report(city):
    assert access.get_milestone(city.olivia, city.ms_zhijian.pk) == city.ms_zhijian
    with pytest.raises(PermissionDenied):
        access.get_milestone(city.olivia, city.ms_zhijian.pk, for_report=True)


def test_clerk_may_report_on_own_units_milestone(city):
    assert access.get_milestone(city.alice, city.ms_zhijian.pk, for_report=True)


def test_garbage_id_is_404(city):
    with pytest.raises(Http404):
        access.get_project(city.olivia, "abc")


def test_clerk_without_a_unit_sees_nothing(city):
    from responsibility import roles
    from tests import factories

    drifter = factories.make_user("drifter", roles.CLERK)
    assert access.user_unit(drifter) is None
    assert access.scope_for(drifter).reach is access.Reach.NONE
    assert not access.visible_milestones(drifter).exists()
