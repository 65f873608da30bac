"""Cells read as the clerk meant them: titles and 牵头 beside names, deadline
ranges and recurring deadlines, numbered sub-items, categories by meaning,
inexact target values, invisible characters and dates in name columns."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import xlwt
from django.urls import reverse

from projects.models import Category, Indicator, Milestone, Project, ProjectUnit, SubItem
from projects.services.targets import targets_export, targets_import
from responsibility.models import Person, Unit, ViceMayor
from tests.assessment import builders
from tests.projects.import_support import HEADER, counts, simple, snapshot, xlsx

pytestmark = pytest.mark.django_db

D = dt.date
# HEADER's columns: 序号 项目名称 任务目标 推进措施 小项 责任单位 责任人 分管市长 完成时限 考核指标 目标值 计量单位


def row(**cells) -> list:
    """One data row of HEADER, by column label."""
    values: list = [None] * len(HEADER)
    values[0], values[1] = 1, "实施名牌战略"
    for label, value in cells.items():
        values[HEADER.index(label)] = value
    return values


def state() -> dict:
    """Every name the importer may write, for "the database is unchanged"."""
    return {
        "units": sorted(Unit.objects.values_list("name", "full_name")),
        "persons": sorted(Person.objects.values_list("name", "title", "unit__name")),
        "mayors": sorted(ViceMayor.objects.values_list("name", "title")),
        "projects": sorted(Project.objects.values_list("number", "name", "category")),
        "subitems": sorted(SubItem.objects.values_list("name", flat=True)),
        "milestones": sorted(Milestone.objects.values_list("name", "start_date", "due_date")),
        "indicators": sorted(Indicator.objects.values_list("name", "target", "measure")),
    }


def refused(data: bytes, year: int = 2012, **kwargs) -> list[str]:
    """Import ``data`` for real; it must be refused with nothing written."""
    before = state()
    result = targets_import(file=data, year=year, allow_new=True, **kwargs)
    assert state() == before
    return [str(e) for e in result.errors]


def imported(data: bytes, year: int = 2012, **kwargs):
    result = targets_import(file=data, year=year, allow_new=True, **kwargs)
    assert [str(e) for e in result.errors] == []
    return result


# --- names with titles, 牵头 and full names -------------------------------------


@pytest.mark.parametrize("typed", ["王磊（局长）", "王磊(局长)", "王磊 局长", "王磊　局长"])
def test_person_title_in_brackets_or_after_a_space_is_the_title(typed):
    imported(simple([row(责任单位="质监局", 责任人=typed, 完成时限="年底")]))
    assert list(Person.objects.values_list("name", "title", "unit__name")) == [
        ("王磊", "局长", "质监局")
    ]


def test_person_title_does_not_make_a_second_person():
    imported(simple([row(责任单位="质监局", 责任人="王磊", 完成时限="年底")]))
    result = imported(simple([row(责任单位="质监局", 责任人="王磊（局长）", 完成时限="年底")]))
    assert counts(result)["persons"] == (0, 0, 1)
    assert list(Person.objects.values_list("name", flat=True)) == ["王磊"]


@pytest.mark.parametrize(
    ("typed", "name", "title"),
    [
        ("李强（常务副市长）", "李强", "常务副市长"),
        ("李强(副市长)", "李强", "副市长"),
        ("王世和副市长", "王世和", "副市长"),
        ("李强", "李强", "副市长"),  # the model's default
    ],
)
def test_vice_mayor_title_is_kept_out_of_the_name(typed, name, title):
    imported(simple([row(责任单位="质监局", 分管市长=typed, 完成时限="年底")]))
    assert list(ViceMayor.objects.values_list("name", "title")) == [(name, title)]
    assert Project.objects.get().mayor.name == name


def test_unit_marked_lead_in_brackets_becomes_the_lead_with_its_person():
    cells = row(责任单位="经信局、市质监局（牵头）、商务局（配合）", 责任人="刘志刚、王磊、陈建民")
    imported(simple([cells]))
    assert list(
        ProjectUnit.objects.order_by("order").values_list(
            "unit__name", "person__name", "is_lead", "order"
        )
    ) == [
        ("市质监局", "王磊", True, 0),
        ("经信局", "刘志刚", False, 1),
        ("商务局", "陈建民", False, 2),
    ]
    assert sorted(Unit.objects.responsible().values_list("name", flat=True)) == [
        "商务局",
        "市质监局",
        "经信局",
    ]


def test_lead_marked_on_a_later_row_moves_to_the_front_of_the_project():
    rows = [
        row(小项="产品抽检", 责任单位="经信局", 完成时限="6月底"),
        [None, None, None, None, "名牌申报", "质监局（牵头）", None, None, "9月底"],
    ]
    imported(simple(rows))
    assert list(ProjectUnit.objects.order_by("order").values_list("unit__name", "is_lead")) == [
        ("质监局", True),
        ("经信局", False),
    ]
    assert list(SubItem.objects.order_by("number").values_list("name", "unit__name")) == [
        ("产品抽检", "经信局"),
        ("名牌申报", "质监局"),
    ]


@pytest.mark.parametrize(
    "typed", ["质监局（诸城市质量技术监督局）", "诸城市质量技术监督局（质监局）"]
)
def test_unit_with_its_full_name_in_brackets_is_the_known_unit(typed):
    Unit.objects.create(name="质监局", full_name="诸城市质量技术监督局")
    result = targets_import(
        file=simple([row(责任单位=typed, 完成时限="年底")]), year=2012, allow_new=False
    )
    assert [str(e) for e in result.errors] == []
    assert list(Unit.objects.responsible().values_list("name", "full_name")) == [
        ("质监局", "诸城市质量技术监督局")
    ]
    assert ProjectUnit.objects.get().unit.name == "质监局"


def test_new_unit_with_full_name_in_brackets_is_created_with_both_names():
    imported(simple([row(责任单位="质监局（诸城市质量技术监督局）", 完成时限="年底")]))
    assert list(Unit.objects.responsible().values_list("name", "full_name")) == [
        ("质监局", "诸城市质量技术监督局")
    ]


def test_unit_with_a_bracket_that_is_neither_a_mark_nor_a_name_is_refused():
    errors = refused(simple([row(责任单位="质监局（2011年）", 完成时限="年底")]))
    assert errors == [
        "第2行「责任单位」：单位“质监局（2011年）”括号中的“2011年”无法理解："
        "括号里只能写“牵头”“配合”或单位的全称（或简称）"
    ]


# --- dates in name columns ---------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("分管市长", dt.datetime(2011, 5, 31), "2011-05-31"),
        ("分管市长", dt.datetime(2011, 5, 31, 8, 30), "2011-05-31 08:30:00"),
        ("分管市长", "2011-05-31 00:00:00", "2011-05-31 00:00:00"),
        ("责任人", "2011-05-31", "2011-05-31"),
        ("责任单位", dt.date(2011, 5, 31), "2011-05-31"),
        ("责任单位", "2011/5/31", "2011/5/31"),
    ],
)
def test_a_date_in_a_name_column_is_refused(column, value, shown):
    cells = row(责任单位="质监局", 完成时限="年底")
    cells[HEADER.index(column)] = value
    errors = refused(simple([cells]))
    assert errors[0] == f"第2行「{column}」：“{shown}”是日期，不是名称，请检查是否填错了列"
    assert not ViceMayor.objects.exists()


def test_a_number_in_a_name_column_is_refused():
    errors = refused(simple([row(责任单位="质监局", 分管市长=2011, 完成时限="年底")]))
    assert errors == ["第2行「分管市长」：“2011”是数字，不是名称，请检查是否填错了列"]


# --- deadlines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["2012年3月至6月", "3—6月", "3月-6月", "2012.3-2012.6", "3月1日至6月30日", "三月至六月底"],
)
def test_deadline_range_gives_start_and_end_of_the_last_month(typed):
    imported(simple([row(小项="争创名牌", 责任单位="质监局", 完成时限=typed)]))
    assert list(Milestone.objects.values_list("name", "start_date", "due_date")) == [
        ("争创名牌", D(2012, 3, 1), D(2012, 6, 30))
    ]


def test_deadline_range_ending_before_it_starts_is_refused():
    errors = refused(simple([row(责任单位="质监局", 完成时限="6月至3月")]))
    assert errors == ["第2行「完成时限」：时间段“6月至3月”的开始晚于结束"]


def test_deadline_range_outside_the_year_is_refused():
    errors = refused(simple([row(责任单位="质监局", 完成时限="2011年3月至6月")]))
    assert errors == ["第2行「完成时限」：日期 2011-03-01 不在 2012 年度内"]


def test_range_sets_the_start_of_a_stored_milestone_and_survives_export():
    imported(simple([row(小项="争创名牌", 责任单位="质监局", 完成时限="6月底")]))
    result = imported(simple([row(小项="争创名牌", 责任单位="质监局", 完成时限="3—6月")]))
    assert counts(result)["milestones"] == (0, 1, 0)
    assert list(Milestone.objects.values_list("start_date", "due_date")) == [
        (D(2012, 3, 1), D(2012, 6, 30))
    ]
    before = snapshot(2012)
    again = imported(targets_export(year=2012))
    assert counts(again)["milestones"] == (0, 0, 1)
    assert snapshot(2012) == before
    assert Milestone.objects.get().start_date == D(2012, 3, 1)


QUARTERS = [
    ("争创名牌（第一季度）", D(2012, 3, 31)),
    ("争创名牌（第二季度）", D(2012, 6, 30)),
    ("争创名牌（第三季度）", D(2012, 9, 30)),
    ("争创名牌（第四季度）", D(2012, 12, 31)),
]


def test_every_quarter_end_is_four_milestones_listed_in_the_dry_run():
    data = simple([row(小项="争创名牌", 责任单位="质监局", 完成时限="每季度末")])
    preview = targets_import(file=data, year=2012, dry_run=True, allow_new=True)
    assert preview.errors == []
    assert [c.label for c in preview.changes if c.kind == "milestones"] == [
        f"1-1 {name}" for name, _due in QUARTERS
    ]
    assert counts(preview)["milestones"] == (4, 0, 0)
    assert not Milestone.objects.exists()
    imported(data)
    assert list(Milestone.objects.order_by("due_date").values_list("name", "due_date")) == QUARTERS


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "每月25日前",
            [(f"报送月报（{m}月）", D(2012, m, 25)) for m in range(1, 13)],
        ),
        (
            "每月底",
            [
                ("报送月报（1月）", D(2012, 1, 31)),
                ("报送月报（2月）", D(2012, 2, 29)),
                ("报送月报（3月）", D(2012, 3, 31)),
                ("报送月报（4月）", D(2012, 4, 30)),
                ("报送月报（5月）", D(2012, 5, 31)),
                ("报送月报（6月）", D(2012, 6, 30)),
                ("报送月报（7月）", D(2012, 7, 31)),
                ("报送月报（8月）", D(2012, 8, 31)),
                ("报送月报（9月）", D(2012, 9, 30)),
                ("报送月报（10月）", D(2012, 10, 31)),
                ("报送月报（11月）", D(2012, 11, 30)),
                ("报送月报（12月）", D(2012, 12, 31)),
            ],
        ),
        (
            "每半年",
            [("报送月报（上半年）", D(2012, 6, 30)), ("报送月报（下半年）", D(2012, 12, 31))],
        ),
    ],
)
def test_recurring_deadline_is_one_milestone_per_period(typed, expected):
    imported(simple([row(小项="报送月报", 责任单位="质监局", 完成时限=typed)]))
    assert list(Milestone.objects.order_by("due_date").values_list("name", "due_date")) == expected


def test_recurring_deadline_with_a_milestone_name_is_named_after_it_and_the_period():
    header = [*HEADER, "进度节点"]
    cells = [*row(小项="争创名牌", 责任单位="质监局", 完成时限="每半年"), "自查"]
    imported(simple([cells], header=header))
    assert list(Milestone.objects.order_by("due_date").values_list("name", "due_date")) == [
        ("自查（上半年）", D(2012, 6, 30)),
        ("自查（下半年）", D(2012, 12, 31)),
    ]


def test_recurring_milestones_import_back_unchanged_from_the_export():
    imported(simple([row(小项="争创名牌", 责任单位="质监局", 完成时限="每季度末")]))
    before = snapshot(2012)
    result = imported(targets_export(year=2012))
    assert counts(result)["milestones"] == (0, 0, 4)
    assert snapshot(2012) == before


# --- numbered sub-items -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["1-1 争创中国名牌", "1-1争创中国名牌", "（1）争创中国名牌", "(1) 争创中国名牌", "1、争创中国名牌",
     "1.争创中国名牌", "一是争创中国名牌", "（一）争创中国名牌", "1.1 争创中国名牌"],
)  # fmt: skip
def test_sub_item_numbering_is_stripped_once(typed):
    imported(simple([row(小项=typed, 责任单位="质监局", 完成时限="年底")]))
    sub = SubItem.objects.get()
    assert sub.name == "争创中国名牌"
    assert str(sub) == "1-1 争创中国名牌"
    assert Milestone.objects.get().name == "争创中国名牌"


@pytest.mark.parametrize("typed", ["3.5万吨钢材检验", "2011年名牌申报", "5%抽检"])
def test_sub_item_starting_with_a_quantity_keeps_it(typed):
    imported(simple([row(小项=typed, 责任单位="质监局", 完成时限="年底")]))
    assert SubItem.objects.get().name == typed


def test_numbered_sub_items_import_back_from_the_export_unchanged():
    rows = [
        row(小项="1-1 争创中国名牌", 责任单位="质监局", 完成时限="6月底"),
        [None, None, None, None, "1-2 地理标志", "质监局", None, None, "9月底"],
    ]
    imported(simple(rows))
    before = snapshot(2012)
    assert [s[2] for s in before["subitems"]] == ["争创中国名牌", "地理标志"]
    result = imported(targets_export(year=2012))
    assert counts(result)["subitems"] == (0, 0, 2)
    assert snapshot(2012) == before


def test_sub_item_stored_with_its_number_is_renamed_once_on_reimport():
    imported(simple([row(小项="争创中国名牌", 责任单位="质监局", 完成时限="年底")]))
    SubItem.objects.update(name="1-1 争创中国名牌")  # stored before this fix
    result = imported(targets_export(year=2012))
    assert counts(result)["subitems"] == (0, 1, 0)
    assert SubItem.objects.get().name == "争创中国名牌"


# --- categories -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("生态环境质量", Category.ENVIRONMENT),
        ("环境质量", Category.ENVIRONMENT),
        ("质量安全", Category.PRODUCT),
        ("名牌", Category.BRAND),
        ("engineering", Category.ENGINEERING),
        ("其他", Category.OTHER),
    ],
)
def test_category_cell_is_matched_by_meaning(typed, category):
    header = [*HEADER, "类别"]
    imported(simple([[*row(责任单位="质监局", 完成时限="年底"), typed]], header=header))
    assert Project.objects.get().category == category


@pytest.mark.parametrize("typed", ["质量", "重点工作"])
def test_category_cell_that_means_nothing_is_refused(typed):
    header = [*HEADER, "类别"]
    errors = refused(simple([[*row(责任单位="质监局", 完成时限="年底"), typed]], header=header))
    assert errors == [
        f"第2行「类别」：无法识别的类别“{typed}”"
        "（可填：产品质量、工程质量、服务质量、生态环境质量、质量基础、品牌建设、其他）"
    ]


@pytest.mark.parametrize("merged", [True, False])
def test_section_row_is_matched_by_meaning(merged):
    rows = [HEADER, ["四、环境质量"], row(责任单位="环保局", 完成时限="年底")]
    result = imported(xlsx(rows, ("A2:L2",) if merged else ()))
    assert Project.objects.get().category == Category.ENVIRONMENT
    assert [str(s) for s in result.skipped] == [
        "第2行：分类标题“四、环境质量”：其下项目的类别为“生态环境质量”"
    ]


def test_section_row_that_means_no_category_is_noted_not_taken_as_other():
    rows = [HEADER, ["五、重点工作"], row(责任单位="环保局", 完成时限="年底")]
    result = imported(xlsx(rows, ("A2:L2",)))
    assert [str(s) for s in result.skipped] == [
        "第2行：标题行“五、重点工作”：不是项目，其下项目的类别未定"
    ]


# --- target values ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["5-10个", "≥95%", "1e5", "5万", "约100", "95%以上2", "3~5"])
def test_inexact_target_value_is_refused_not_truncated(typed):
    errors = refused(
        simple([row(责任单位="质监局", 完成时限="年底", 考核指标="名牌", 目标值=typed)])
    )
    assert errors == [
        f"第2行「目标值」：目标值“{typed}”不是一个确定的数字：请只填一个数字（可带单位，如 95%、13个），"
        "范围、约数、“≥”“万”等写进考核指标名称"
    ]


@pytest.mark.parametrize(
    ("typed", "target", "measure"),
    [
        (13, Decimal("13.00"), ""),
        (13.5, Decimal("13.50"), ""),
        ("95%", Decimal("95.00"), "%"),
        ("1,000", Decimal("1000.00"), ""),
        ("１，０００个", Decimal("1000.00"), "个"),
        ("500万元", Decimal("500.00"), "万元"),
    ],
)
def test_exact_target_values_are_read_as_before(typed, target, measure):
    imported(simple([row(责任单位="质监局", 完成时限="年底", 考核指标="名牌", 目标值=typed)]))
    assert list(Indicator.objects.values_list("target", "measure")) == [(target, measure)]


# --- invisible characters -----------------------------------------------------------------


def test_zero_width_characters_do_not_make_a_look_alike_unit():
    Unit.objects.create(name="质监局")
    result = targets_import(
        file=simple([row(责任单位="\ufeff质\u200b监\u2060局\u200d", 完成时限="年底")]),
        year=2012,
    )
    assert [str(e) for e in result.errors] == []
    assert list(Unit.objects.responsible().values_list("name", flat=True)) == ["质监局"]
    assert counts(result)["units"] == (0, 0, 1)


@pytest.mark.parametrize("column", ["责任单位", "责任人", "分管市长"])
def test_bidi_override_in_a_name_is_refused(column):
    cells = row(责任单位="质监局", 完成时限="年底")
    cells[HEADER.index(column)] = "\u202e局监质" if column == "责任单位" else "\u202e磊王"
    errors = refused(simple([cells]))
    assert errors == [
        f"第2行「{column}」：名称中含有改变文字方向的控制字符（会让名称显示成另一个样子），请删除后重新输入"
    ]


@pytest.mark.parametrize("kind", ["xls", "xlsx"])
def test_control_and_bidi_characters_are_dropped_from_text(kind):
    # Excel writes BEL in a workbook as _x0007_ (XML cannot hold it); BIFF keeps it.
    bel = "\u0007" if kind == "xls" else "_x0007_"
    cells = row(
        责任单位="质监局",
        完成时限="年底",
        任务目标=f"目标{bel}达到\u202e一流\u200f",
        推进措施=f"措施{bel}_x001B_一" if kind == "xlsx" else "措施\x1b\x85一",
    )
    cells[1] = f"实施{bel}名牌\u200b战略\ufeff"
    imported(_xls(cells) if kind == "xls" else simple([cells]))
    project = Project.objects.get()
    assert (project.name, project.target, project.measures) == (
        "实施名牌战略",
        "目标达到一流",
        "措施一",
    )


def _xls(cells: list) -> bytes:
    """A legacy .xls (BIFF keeps any character, NUL included) with HEADER and one row."""
    book = xlwt.Workbook()
    ws = book.add_sheet("附件")
    for c, name in enumerate(HEADER):
        ws.write(0, c, name)
    for c, value in enumerate(cells):
        if value is not None:
            ws.write(1, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("kind", ["xls", "xlsx"])
def test_nul_in_cells_is_removed_before_the_database(kind, dry_run):
    nul = "\x00" if kind == "xls" else "_x0000_"
    cells = row(
        小项=f"争创{nul}名牌", 责任单位=f"质监{nul}局", 责任人=f"王{nul}磊", 完成时限="年底"
    )
    cells[1] = f"实施{nul}名牌战略"
    cells[2] = f"目标{nul}"
    data = _xls(cells) if kind == "xls" else simple([cells])
    result = targets_import(file=data, year=2012, dry_run=dry_run, allow_new=True)
    assert [str(e) for e in result.errors] == []
    assert counts(result)["projects"] == (1, 0, 0)
    assert counts(result)["units"] == (1, 0, 0)
    assert [c.label for c in result.changes if c.kind in ("units", "subitems")] == [
        "质监局",
        "1-1 争创名牌",
    ]
    if dry_run:
        assert not Project.objects.exists()
    else:
        assert list(Project.objects.values_list("name", "target")) == [("实施名牌战略", "目标")]
        assert list(Unit.objects.responsible().values_list("name", flat=True)) == ["质监局"]
        assert list(Person.objects.values_list("name", flat=True)) == ["王磊"]
        assert list(SubItem.objects.values_list("name", flat=True)) == ["争创名牌"]


# --- exports of data stored before this fix ----------------------------------------------


def test_exports_drop_control_characters_stored_before(client, city):
    Project.objects.filter(pk=city.project1.pk).update(
        name="提高\u0007产品质量", target="目标\x1b\x0c"
    )
    Unit.objects.filter(pk=city.zhijian.pk).update(name="质监局\u0008")
    client.force_login(city.adam)

    response = client.get(reverse("project_export"), {"year": 2010})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for r in sheet.iter_rows(values_only=True) for cell in r]
    assert "提高产品质量" in values and "目标" in values

    response = client.get(reverse("admin:projects_project_export_targets"), {"year": 2010})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for r in sheet.iter_rows(values_only=True) for cell in r]
    assert "提高产品质量" in values
    assert "质监局、商务局" in values


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_assessment_admin_export_drops_control_characters(client, city, fmt):
    scheme = builders.scheme(2012)
    category = builders.category(scheme, "项目推进", 60, order=1)
    # (No NUL: PostgreSQL cannot store one, so no stored data holds it.)
    builders.item(category, "按期\u0007完成", method="逐项\x1b核对\x0c")
    client.force_login(city.adam)
    url = "/admin/assessment/assessmentitem/export/"
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    fields = [f for f in form.fields if f.startswith("itemresource_")]
    response = client.post(
        url, {"format": formats[fmt], "resource": "0", **dict.fromkeys(fields, "on")}
    )
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = [cell for r in sheet.iter_rows(values_only=True) for cell in r]
    else:
        values = response.content.decode("utf-8-sig")
    assert "按期完成" in values and "逐项核对" in values


def test_separator_inside_brackets_does_not_split_a_name():
    cells = row(责任单位="质监局、商务局", 责任人="王磊（局长、党组书记）、陈建民", 完成时限="年底")
    imported(simple([cells]))
    assert sorted(Person.objects.values_list("name", "title", "unit__name")) == [
        ("王磊", "局长、党组书记", "质监局"),
        ("陈建民", "", "商务局"),
    ]
