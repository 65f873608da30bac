"""The header search (/search/): scope, numbers and Chinese names, highlighting,
bad input; and the project and milestone lists' ``q`` reading numbers the same way."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from projects import search
from tests import factories

FROZEN = dt.datetime(2010, 9, 28, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def found(city):
    """The small city, with names to look for: 电梯 milestones of 质监局 (project 16)
    and of 商务局 (project 2), a unit's full name, persons and a vice-mayor's name."""
    c = city
    c.zhijian.full_name = "诸城市质量技术监督局"
    c.zhijian.save()
    c.wang = factories.PersonFactory(name="王磊", unit=c.zhijian, title="副局长")
    c.zhao = factories.PersonFactory(name="赵敏", unit=c.shangwu)
    c.project16 = factories.ProjectFactory(
        plan=c.plan, number=16, name="特种设备安全", mayor=c.mayor
    )
    factories.ProjectUnitFactory(project=c.project16, unit=c.zhijian, is_lead=True, person=c.wang)
    c.sub16 = factories.SubItemFactory(
        project=c.project16, number=2, name="特种设备定期检验", unit=c.zhijian, person=c.wang
    )
    c.ms_lift = factories.MilestoneFactory(
        project=c.project16,
        subitem=c.sub16,
        unit=c.zhijian,
        name="完成电梯、起重机械定期检验",
        due_date=dt.date(2010, 9, 30),
    )
    c.sub_lift_shangwu = factories.SubItemFactory(
        project=c.project2, number=1, name="商场电梯安全", unit=c.shangwu, person=c.zhao
    )
    c.ms_lift_shangwu = factories.MilestoneFactory(
        project=c.project2,
        subitem=c.sub_lift_shangwu,
        unit=c.shangwu,
        name="商场电梯专项检查",
        due_date=dt.date(2010, 10, 15),
    )
    return c


def results(client, user, q):
    """{kind: [(title, url)]} of the search page."""
    client.force_login(user)
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    return {g.kind: [(h.title, h.url) for h in g.hits] for g in response.context["groups"]}


def titles(client, user, q, kind):
    return [t for t, _url in results(client, user, q).get(kind, [])]


# --- Scope ---------------------------------------------------------------------


def test_clerk_never_finds_another_units_milestone_or_subitem(found, client):
    c = found
    got = results(client, c.alice, "电梯")
    assert [t for t, _u in got["milestone"]] == ["完成电梯、起重机械定期检验"]
    assert "subitem" not in got  # 商场电梯安全 is 商务局's
    assert "商场电梯专项检查" not in str(got)
    # 商贸流通 is 商务局's sub-item of project 1, which alice shares: not in her search.
    assert titles(client, c.alice, "商贸流通", "subitem") == []
    assert titles(client, c.bob, "商贸流通", "subitem") == ["商贸流通"]
    assert titles(client, c.alice, "名牌培育", "subitem") == ["名牌培育"]
    # Nor a project they could not open (project 2 is 商务局's only).
    assert titles(client, c.alice, "提高服务质量", "project") == []
    assert titles(client, c.alice, "2", "project") == []
    assert results(client, c.alice, "商场") == {}


def test_the_other_clerk_finds_their_own_and_not_the_first(found, client):
    c = found
    assert titles(client, c.bob, "电梯", "milestone") == ["商场电梯专项检查"]
    assert titles(client, c.bob, "第16项", "project") == []


def test_office_finds_everything(found, client):
    c = found
    got = results(client, c.olivia, "电梯")
    assert sorted(t for t, _u in got["milestone"]) == sorted(
        ["完成电梯、起重机械定期检验", "商场电梯专项检查"]
    )
    assert [t for t, _u in got["subitem"]] == ["商场电梯安全"]
    assert titles(client, c.olivia, "商贸流通", "subitem") == ["商贸流通"]
    assert all(url for hits in got.values() for _t, url in hits)


def test_vice_mayor_finds_their_portfolio(found, client):
    c = found
    # 王副市长 supervises projects 1 and 16, not project 2.
    assert titles(client, c.victor, "电梯", "milestone") == ["完成电梯、起重机械定期检验"]
    assert titles(client, c.victor, "提高", "project") == ["提高产品质量"]
    assert titles(client, c.victor, "王副市长", "mayor") == ["王副市长"]
    assert titles(client, c.victor, "李副市长", "mayor") == []


def test_results_lead_only_where_the_reader_may_go(found, client):
    c = found
    # 商务局 is named on project 1, which alice opens: found, but its page is not hers.
    assert results(client, c.alice, "商务局")["unit"] == [("商务局", None)]
    assert results(client, c.alice, "质监局")["unit"] == [("质监局", f"/units/{c.zhijian.pk}/")]
    # The vice-mayor of her projects is named on their pages: found, not a link.
    assert results(client, c.alice, "王副市长")["mayor"] == [("王副市长", None)]
    assert results(client, c.alice, "李副市长") == {}  # project 2 only
    # 赵敏 answers for a sub-item of project 2 at 商务局: nothing alice may read.
    assert results(client, c.alice, "赵敏") == {}
    assert results(client, c.bob, "赵敏")["person"] == [("赵敏", f"/units/{c.shangwu.pk}/")]
    client.force_login(c.alice)
    html = client.get("/search/", {"q": "商务局"}).content.decode()
    assert f'href="/units/{c.shangwu.pk}/"' not in html


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/search/?q=电梯")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- What is found ------------------------------------------------------------


@pytest.mark.parametrize("q", ["16", "第16项", "第 16 项", "16项", "第十六项"])
def test_project_number(found, client, q):
    got = results(client, found.olivia, q)
    assert got["project"][0] == ("特种设备安全", f"/projects/{found.project16.pk}/")


def test_subitem_number(found, client):
    assert titles(client, found.olivia, "16-2", "subitem") == ["特种设备定期检验"]


@pytest.mark.parametrize(
    ("q", "kind", "expected"),
    [
        ("质监局", "unit", "质监局"),
        ("诸城市质量技术监督局", "unit", "质监局"),  # full name
        ("技术监督", "unit", "质监局"),
        ("王磊", "person", "王磊"),
        ("王副市长", "mayor", "王副市长"),
        ("特种设备", "project", "特种设备安全"),
        ("起重机械", "milestone", "完成电梯、起重机械定期检验"),
        ("电梯 起重", "milestone", "完成电梯、起重机械定期检验"),  # every word
    ],
)
def test_chinese_names(found, client, q, kind, expected):
    assert expected in titles(client, found.olivia, q, kind)


def test_exact_name_ranks_first(found, client):
    factories.UnitFactory(name="质监局稽查大队")
    assert titles(client, found.olivia, "质监局", "unit")[0] == "质监局"


def test_matches_are_highlighted_and_escaped(found, client):
    c = found
    c.ms_lift.name = '<script>alert("电梯")</script>'
    c.ms_lift.save()
    client.force_login(c.olivia)
    html = client.get("/search/", {"q": "电梯"}).content.decode()
    assert "<mark>电梯</mark>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;<mark>电梯</mark>&quot;)&lt;/script&gt;" in html


def test_highlight_filter_does_not_match_inside_escapes():
    from projects.templatetags.highlight import highlight

    assert highlight("A & B", ["amp"]) == "A &amp; B"
    assert highlight("Tom & 电梯", ["电梯", "tom"]) == "<mark>Tom</mark> &amp; <mark>电梯</mark>"
    assert highlight("<b>", []) == "&lt;b&gt;"


# --- Bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    ["", "   ", "%", "_", "\\", "'; drop table", "\u200b", "\U0010ffff", "电梯\u3000\u0007"],
)
def test_odd_queries_are_a_normal_page(found, client, q):
    client.force_login(found.olivia)
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("raw", ["q=%ED%A0%80", "q=%FF%FE", "q=%E7%94%B5", "q=a&q=b", "x=1"])
def test_odd_query_strings_are_a_normal_page(found, client, raw):
    client.force_login(found.olivia)
    assert client.get("/search/?" + raw).status_code == 200


def test_a_nul_in_the_link_is_a_400_not_a_500(found, client):
    client.force_login(found.olivia)
    assert client.get("/search/?q=%00").status_code == 400  # common.middleware


def test_a_nul_reaching_the_search_is_a_space(found):
    def milestones(q):
        return [
            h.title for g in search.search(found.olivia, q) if g.kind == "milestone" for h in g.hits
        ]

    assert milestones("电\x00梯") == milestones("电 梯") != []
    assert "完成电梯、起重机械定期检验" in milestones("\x00电梯\x00")


def test_empty_and_too_long_queries_get_a_message(found, client):
    client.force_login(found.olivia)
    assert "请输入要搜索的内容。" in client.get("/search/").content.decode()
    response = client.get("/search/", {"q": "电" * 51})
    assert response.status_code == 200
    assert "搜索词太长" in response.content.decode()
    assert response.context["groups"] == []


def test_percent_and_underscore_are_literal(found, client):
    assert results(client, found.olivia, "%") == {}
    assert results(client, found.olivia, "_") == {}


def test_header_box_on_every_signed_in_page(found, client):
    client.force_login(found.alice)
    for url in ("/my/", "/projects/", "/milestones/", "/search/?q=x"):
        html = client.get(url).content.decode()
        assert 'role="search"' in html and 'action="/search/"' in html, url
        assert '<label for="site-search-q"' in html
    client.logout()
    assert 'action="/search/"' not in client.get("/accounts/login/").content.decode()


# --- The lists' q -------------------------------------------------------------


def test_parse():
    assert search.parse("  第16项 ").number == 16
    assert search.parse("第十六").number == 16
    assert search.parse("十六项").number == 16
    assert search.parse("一").number is None  # a word, not project 1
    assert search.parse("十六").number is None
    assert search.parse("二十三项").number == 23
    assert search.parse("第十项").number == 10
    assert search.parse("16-2").sub_number == (16, 2)
    assert search.parse("电梯").number is None
    assert search.parse("a\x00b").terms == ("a", "b")
    assert search.parse("\x00 \u3000") is None


@pytest.mark.parametrize("q", ["16", "第16项"])
def test_project_list_q_matches_numbers(found, client, q):
    client.force_login(found.olivia)
    with time_machine.travel(FROZEN, tick=False):
        client.force_login(found.olivia)
        response = client.get("/projects/", {"q": q})
    assert [p.number for p in response.context["page"].object_list] == [16]


def test_milestone_list_q_matches_numbers_and_units(found, client):
    with time_machine.travel(FROZEN, tick=False):
        client.force_login(found.olivia)
        names = [m.name for m in client.get("/milestones/", {"q": "第16项"}).context["page"]]
        assert names == ["完成电梯、起重机械定期检验"]
        names = [m.name for m in client.get("/milestones/", {"q": "16-2"}).context["page"]]
        assert names == ["完成电梯、起重机械定期检验"]
        names = {m.name for m in client.get("/milestones/", {"q": "商务局"}).context["page"]}
        assert names == {"超市评比", "服务承诺", "商场电梯专项检查"}


def test_near_spellings_are_found_on_postgresql_only(found, client):
    # One character off: no icontains match, but pg_trgm finds and ranks them;
    # SQLite (the zero-setup default) has only the plain match.
    near = connection.vendor == "postgresql"
    expected_subitems = ["特种设备定期检验"] if near else []
    expected_units = ["质监局"] if near else []
    assert titles(client, found.olivia, "特种设备定期检查", "subitem") == expected_subitems
    assert titles(client, found.olivia, "诸城质量技术监督局", "unit") == expected_units
    assert titles(client, found.olivia, "特种设备定期检查", "milestone") == []
