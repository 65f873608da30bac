"""The admin's own parameters that no form checks: a bad row id is a 400, not a 500
(PostgreSQL refuses NUL; an integer id column refuses ``abc``), and nothing changes."""

import pytest
from django.urls import reverse

from projects.models import Milestone
from responsibility.models import Unit


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "1\x00", "", "1.5", "-1"])
def test_a_bulk_action_on_a_malformed_row_id_is_a_400_and_deletes_nothing(client, city, value):
    client.force_login(city.adam)
    before = Milestone.objects.count()
    response = client.post(
        reverse("admin:projects_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [str(city.ms_zhijian.pk), value]},
    )
    assert response.status_code == 400
    assert "所选记录的编号无效" in response.content.decode()
    assert Milestone.objects.count() == before


@pytest.mark.django_db
def test_a_bulk_action_on_real_ids_still_works(client, city):
    client.force_login(city.adam)
    response = client.post(
        reverse("admin:projects_milestone_changelist"),
        {"action": "delete_selected", "_selected_action": [str(city.ms_project2.pk)]},
    )
    assert response.status_code == 200  # the confirmation page
    assert "确定" in response.content.decode() or "sure" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/admin/responsibility/unit/{pk}%00/history/", "/admin/responsibility/unit/{pk}%00/change/"],
)
def test_a_nul_in_an_admin_object_id_is_a_400(client, city, path):
    client.force_login(city.adam)
    response = client.get(path.format(pk=city.zhijian.pk))
    assert response.status_code == 400
    assert "链接中含有不允许的字符" in response.content.decode()
    assert Unit.objects.filter(pk=city.zhijian.pk).exists()
