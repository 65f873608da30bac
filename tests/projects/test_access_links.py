"""What a page may link (issue 14): ``access.can_open_*`` agree with the pages'
own 404s, decide per object in Python after one query per kind, and the pages
show a name the reader may not open as plain text."""

import pytest
from django.test import Client
from django.urls import reverse

from projects import access

pytestmark = pytest.mark.django_db


def opens(user, url) -> bool:
    client = Client()
    client.force_login(user)
    return client.get(url).status_code == 200


def test_the_predicates_agree_with_the_pages(city):
    pages = [
        ("unit", access.can_open_unit, "unit_detail", [city.zhijian, city.shangwu, city.office]),
        ("mayor", access.can_open_mayor, "mayor_detail", [city.mayor, city.other_mayor]),
        ("project", access.can_open_project, "project_detail", [city.project1, city.project2]),
        (
            "milestone",
            access.can_open_milestone,
            "milestone_detail",
            [city.ms_zhijian, city.ms_shangwu, city.ms_project2],
        ),
    ]
    for user in (city.alice, city.bob, city.helen, city.olivia, city.victor, city.adam):
        for _kind, predicate, name, objects in pages:
            for obj in objects:
                url = reverse(name, args=[obj.pk])
                assert predicate(user, obj) == opens(user, url), (user.username, url)


def test_a_clerk_opens_their_own_unit_and_its_projects_only(city):
    assert access.can_open_unit(city.alice, city.zhijian)
    assert not access.can_open_unit(city.alice, city.shangwu.pk)
    assert not access.can_open_mayor(city.alice, city.mayor)
    assert access.can_open_project(city.alice, city.project1)
    assert not access.can_open_project(city.alice, city.project2)
    assert not access.can_open_unit(city.alice, None)
    assert not access.can_open_project(city.alice, "x")


def test_the_reach_is_computed_once_per_request(city, django_assert_num_queries):
    user = city.victor
    access.scope_for(user)
    with django_assert_num_queries(1):
        for _ in range(3):
            assert access.can_open_project(user, city.project1)
            assert not access.can_open_project(user, city.project2)
    with django_assert_num_queries(0):
        assert access.can_open_mayor(user, city.mayor)
        assert not access.can_open_mayor(user, city.other_mayor)
    office = city.olivia
    access.scope_for(office)
    with django_assert_num_queries(0):
        assert access.can_open_unit(office, city.shangwu)
        assert access.can_open_milestone(office, city.ms_project2)


def test_a_clerk_reads_other_bureaus_and_vice_mayors_as_plain_text(client, city):
    client.force_login(city.alice)
    for url in (reverse("project_detail", args=[city.project1.pk]), reverse("project_list")):
        html = client.get(url).content.decode()
        assert "商务局" in html and "王副市长" in html
        assert f'href="{reverse("unit_detail", args=[city.shangwu.pk])}"' not in html
        assert f'href="{reverse("mayor_detail", args=[city.mayor.pk])}"' not in html
        assert f'href="{reverse("unit_detail", args=[city.zhijian.pk])}"' in html


def test_a_vice_mayor_links_their_own_page_and_not_a_colleagues(client, city):
    client.force_login(city.victor)
    html = client.get(reverse("project_list")).content.decode()
    assert f'href="{reverse("mayor_detail", args=[city.mayor.pk])}"' in html
    assert f'href="{reverse("mayor_detail", args=[city.other_mayor.pk])}"' not in html


def test_the_office_links_everything(client, city):
    client.force_login(city.olivia)
    html = client.get(reverse("project_list")).content.decode()
    for pk in (city.zhijian.pk, city.shangwu.pk):
        assert f'href="{reverse("unit_detail", args=[pk])}"' in html
    for pk in (city.mayor.pk, city.other_mayor.pk):
        assert f'href="{reverse("mayor_detail", args=[pk])}"' in html
