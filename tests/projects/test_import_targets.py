"""Importing the year's targets from the clerk's workbook: layout quirks, exact
objects, all-or-nothing errors, idempotence and amendments."""

import datetime as dt
from decimal import Decimal

import pytest
import xlwt

from projects.models import Category, Indicator, Milestone, PlanYear, Project, ProjectUnit, SubItem
from projects.services.targets import targets_import
from responsibility.models import Person, Unit, ViceMayor
from tests.projects.import_support import HEADER, counts, simple, snapshot, xlsx

pytestmark = pytest.mark.django_db

D = dt.date


def clerk_workbook() -> bytes:
    """The annex as a clerk typed it: a stray "附件" line and a merged title above
    the header; header names as aliases, in an odd order, with ordinary and
    full-width spaces; section rows; project cells merged over their sub-items;
    a sub-item over two rows; several units in one cell; a footnote below."""
    header = [
        "序\u3000号",
        "项 目",
        "时间节点",
        "具体任务",
        "牵头单位",
        "责任人",
        "分管领导",
        "目标任务",
        "工作措施",
        "量化指标",
        "目标值",
        "计量单位",
    ]
    rows = [
        ["附件1"],
        ["2011年质量兴市项目化推进工作责任制分解表"],
        header,
        ["一、服务质量"],
        [
            "第十六项",
            "提高服务质量",
            "6月底前",
            "超市、商场服务质量提升",
            "商务局",
            "陈建民",
            "王世和副市长",
            "15个服务行业开展质量承诺。",
            "制定服务规范；\n开展明察暗访。",
            "服务承诺单位",
            50,
            "家",
        ],
        [None, None, "第三季度", "医疗服务质量提升", "卫生局", "钟兆湘"],
        [None, None, "2011年10月底"],
        ["二、工程质量"],
        [
            "十七",
            "提高工程质量",
            "全年",
            None,
            "住建局、交通局",
            "张三、李四",
            "李强",
            "工程质量合格率100%。",
        ],
        ["注：完成时限均为2011年。"],
        ["2. 本表由市政府办公室负责解释。"],
    ]
    merges = (
        "A2:L2",
        "A4:L4",
        "A5:A7",
        "B5:B7",
        "G5:G7",
        "H5:H7",
        "I5:I7",
        "D6:D7",
        "E6:E7",
        "F6:F7",
        "A8:L8",
    )
    return xlsx(rows, merges)


def test_clerk_workbook_creates_exactly_the_documents_objects():
    result = targets_import(allow_new=True, file=clerk_workbook(), year=2011, dry_run=False)

    assert result.errors == []
    plan = PlanYear.objects.get(year=2011)
    assert plan.title == "2011年质量兴市项目化推进工作责任制分解表"
    assert snapshot(2011) == {
        "projects": {
            16: (
                "提高服务质量",
                Category.SERVICE,
                "15个服务行业开展质量承诺。",
                "制定服务规范；\n开展明察暗访。",
                "",
                "王世和",
            ),
            17: ("提高工程质量", Category.ENGINEERING, "工程质量合格率100%。", "", "", "李强"),
        },
        "units": [
            (16, "卫生局", "钟兆湘", False, 1),
            (16, "商务局", "陈建民", True, 0),
            (17, "交通局", "李四", False, 1),
            (17, "住建局", "张三", True, 0),
        ],
        "subitems": [
            (16, 1, "超市、商场服务质量提升", "", "商务局", "陈建民", "王世和"),
            (16, 2, "医疗服务质量提升", "", "卫生局", "钟兆湘", "王世和"),
        ],
        "milestones": [
            (16, 1, "超市、商场服务质量提升", D(2011, 6, 30), "商务局"),
            (16, 2, "医疗服务质量提升（2011年10月底）", D(2011, 10, 31), "卫生局"),
            (16, 2, "医疗服务质量提升（第三季度）", D(2011, 9, 30), "卫生局"),
            (17, 0, "提高工程质量", D(2011, 12, 31), "住建局"),
        ],
        "indicators": [(16, 1, "服务承诺单位", Decimal("50.00"), "家")],
    }
    assert sorted(Unit.objects.responsible().values_list("name", flat=True)) == sorted(
        ["商务局", "卫生局", "住建局", "交通局"]
    )
    assert Person.objects.count() == 4
    assert sorted(ViceMayor.objects.values_list("name", flat=True)) == ["李强", "王世和"]
    assert counts(result) == {
        "projects": (2, 0, 0),
        "subitems": (2, 0, 0),
        "milestones": (4, 0, 0),
        "indicators": (1, 0, 0),
        "units": (4, 0, 0),
        "persons": (4, 0, 0),
        "mayors": (2, 0, 0),
    }


def test_import_records_history_with_the_user(city):
    targets_import(allow_new=True, file=clerk_workbook(), year=2011, user=city.adam)
    history = Milestone.history.filter(project__plan__year=2011)
    assert history.count() == 4
    assert set(history.values_list("history_user__username", "history_type")) == {("adam", "+")}


def test_reimporting_the_same_workbook_changes_nothing():
    targets_import(allow_new=True, file=clerk_workbook(), year=2011)
    before = snapshot(2011)
    history_rows = Milestone.history.count() + SubItem.history.count() + Project.history.count()

    again = targets_import(allow_new=True, file=clerk_workbook(), year=2011)

    assert again.errors == [] and again.changes == []
    assert counts(again) == {
        "projects": (0, 0, 2),
        "subitems": (0, 0, 2),
        "milestones": (0, 0, 4),
        "indicators": (0, 0, 1),
        "units": (0, 0, 4),
        "persons": (0, 0, 4),
        "mayors": (0, 0, 2),
    }
    assert snapshot(2011) == before
    assert (
        Milestone.history.count() + SubItem.history.count() + Project.history.count()
        == history_rows
    )


def test_amended_workbook_updates_what_changed_and_says_so():
    rows = [
        [1, "实施名牌战略", "", "", "争创名牌", "质监局", "王磊", "王世和", "6月30日前"],
        [1, "实施名牌战略", "", "", "地理标志", "质监局", "王磊", "王世和", "9月30日前"],
        [2, "提高服务质量", "", "", "", "商务局", "陈建民", "李强", "年底"],
    ]
    targets_import(allow_new=True, file=simple(rows), year=2011)
    first = Milestone.objects.get(name="争创名牌")
    rows[0][8] = "7月31日前"  # a deadline moved
    rows[1][4] = "培育地理标志产品"  # a sub-item renamed (typo fixed)
    rows[2][5] = "商务局、卫生局"  # a unit added
    rows[2][6] = "陈建民、钟兆湘"

    result = targets_import(allow_new=True, file=simple(rows), year=2011)

    assert result.errors == []
    assert counts(result)["projects"] == (0, 1, 1)
    assert counts(result)["subitems"] == (0, 1, 1)
    # The renamed sub-item keeps its milestone, renamed after it.
    assert counts(result)["milestones"] == (0, 2, 1)
    assert counts(result)["units"] == (1, 0, 2)
    first.refresh_from_db()
    assert first.due_date == D(2011, 7, 31)
    assert SubItem.objects.get(number=2).name == "培育地理标志产品"
    assert SubItem.objects.count() == 2
    assert list(
        ProjectUnit.objects.filter(project__number=2).values_list("unit__name", "is_lead")
    ) == [("商务局", True), ("卫生局", False)]
    lines = [str(c) for c in result.changes]
    assert "修改进度节点 1-1 争创名牌：完成时限：2011-06-30 → 2011-07-31" in lines
    assert "修改小项 1-2 培育地理标志产品：小项名称：“地理标志” → “培育地理标志产品”" in lines


def test_lead_unit_can_move_to_another_unit():
    rows = [[3, "质量基础", "", "", "", "质监局、科技局", "王磊、赵六", "王世和", "年底"]]
    targets_import(allow_new=True, file=simple(rows), year=2011)
    rows[0][5], rows[0][6] = "科技局、质监局", "赵六、王磊"
    result = targets_import(allow_new=True, file=simple(rows), year=2011)
    assert result.errors == []
    assert list(
        ProjectUnit.objects.order_by("order").values_list("unit__name", "is_lead", "person__name")
    ) == [("科技局", True, "赵六"), ("质监局", False, "王磊")]


def test_every_deadline_form_becomes_a_milestone_due_that_date():
    forms = [
        (dt.datetime(2011, 8, 31), D(2011, 8, 31)),
        ("2011-08-31", D(2011, 8, 31)),
        ("2011年9月30日", D(2011, 9, 30)),
        ("2011年10月底", D(2011, 10, 31)),
        ("6月底前", D(2011, 6, 30)),
        ("6月30日前", D(2011, 6, 30)),
        ("上半年", D(2011, 6, 30)),
        ("第三季度", D(2011, 9, 30)),
        ("年底", D(2011, 12, 31)),
        ("全年", D(2011, 12, 31)),
        ("２０１１年１１月１５日", D(2011, 11, 15)),
        ("十二月底前", D(2011, 12, 31)),
        ("2月底", D(2011, 2, 28)),
    ]
    rows = [
        [1, "项目", "", "", f"小项{i}", "质监局", "", "", value]
        for i, (value, _due) in enumerate(forms)
    ]

    result = targets_import(allow_new=True, file=simple(rows), year=2011)

    assert result.errors == []
    due = dict(Milestone.objects.values_list("subitem__name", "due_date"))
    assert due == {f"小项{i}": expected for i, (_value, expected) in enumerate(forms)}


@pytest.mark.parametrize("number", [16, "16", "第16项", "十六", "第十六项", "16.0"])
def test_project_numbers_as_clerks_write_them(number):
    result = targets_import(
        allow_new=True,
        file=simple([[number, "提高服务质量", "", "", "", "商务局", "", "", "年底"]]),
        year=2011,
    )
    assert result.errors == []
    assert Project.objects.get().number == 16


@pytest.mark.parametrize(
    "cell",
    [
        "商务局、卫生局",
        "商务局，卫生局",
        "商务局,卫生局",
        "商务局；卫生局",
        "商务局/卫生局",
        "商务局\n卫生局",
    ],
)
def test_several_units_in_one_cell_pair_with_persons_in_order(cell):
    persons = cell.replace("商务局", "陈建民").replace("卫生局", "钟 兆湘")
    rows = [[16, "提高服务质量", "", "", "", cell, persons, "", "年底"]]
    assert targets_import(allow_new=True, file=simple(rows), year=2011).errors == []
    assert list(
        ProjectUnit.objects.order_by("order").values_list("unit__name", "person__name", "is_lead")
    ) == [("商务局", "陈建民", True), ("卫生局", "钟兆湘", False)]


def test_sub_item_unit_is_attached_to_the_project_and_names_are_not_split():
    rows = [
        [5, "品牌建设", "", "", "", "质监局", "王磊", "", ""],
        [5, "品牌建设", "", "", "商标注册、保护和宣传", "工商局、质监局", "孙七", "", "年底"],
    ]
    assert targets_import(allow_new=True, file=simple(rows), year=2011).errors == []
    sub = SubItem.objects.get()
    assert (sub.name, sub.unit.name, sub.person.name) == ("商标注册、保护和宣传", "工商局", "孙七")
    assert list(ProjectUnit.objects.order_by("order").values_list("unit__name", "is_lead")) == [
        ("质监局", True),
        ("工商局", False),
    ]
    assert Milestone.objects.get().unit.name == "工商局"


def test_existing_units_persons_and_mayors_are_matched_by_name(city):
    Unit.objects.filter(name="质监局").update(full_name="诸城市质量技术监督局")
    Person.objects.create(name="王磊", unit=city.zhijian)
    rows = [[9, "质量强企", "", "", "", "诸城市质量技术监督局", "王磊", "王副市长", "年底"]]
    result = targets_import(allow_new=True, file=simple(rows), year=2011)
    assert result.errors == []
    assignment = ProjectUnit.objects.get(project__number=9, project__plan__year=2011)
    assert assignment.unit == city.zhijian
    assert Project.objects.get(number=9, plan__year=2011).mayor == city.mayor
    assert counts(result)["units"] == (0, 0, 1)
    assert counts(result)["persons"] == (0, 0, 1)
    assert counts(result)["mayors"] == (0, 0, 1)


def test_legacy_xls_with_merged_cells_and_real_dates(tmp_path):
    book = xlwt.Workbook()
    ws = book.add_sheet("附件")
    ws.write_merge(0, 0, 0, len(HEADER) - 1, "2011年责任分解表")
    for c, name in enumerate(HEADER):
        ws.write(1, c, name)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write_merge(2, 3, 0, 0, "第一项")
    ws.write_merge(2, 3, 1, 1, "实施名牌战略")
    ws.write(2, 4, "争创名牌")
    ws.write(2, 5, "质监局")
    ws.write(2, 8, dt.date(2011, 6, 30), date_style)
    ws.write(3, 4, "地理标志")
    ws.write(3, 5, "质监局")
    ws.write(3, 8, "第四季度")
    path = tmp_path / "annex.xls"
    book.save(str(path))

    result = targets_import(allow_new=True, file=path, year=2011)

    assert result.errors == []
    assert snapshot(2011)["milestones"] == [
        (1, 1, "争创名牌", D(2011, 6, 30), "质监局"),
        (1, 2, "地理标志", D(2011, 12, 31), "质监局"),
    ]


def test_bad_rows_are_all_listed_and_nothing_is_written(city):
    before = snapshot(2010), Unit.objects.count(), PlanYear.objects.count()
    rows = [
        [1, "实施名牌战略", "", "", "争创名牌", "新单位甲", "", "", "尽快"],
        ["第X项", "提高服务质量", "", "", "", "商务局", "", "", "年底"],
        [3, "", "", "", "", "商务局", "", "", "2010年6月30日"],
        [4, "质量基础", "", "", "", "", "", "", "年底", "合格率", "约九成"],
        [5, "品牌建设", "", "", "", "质监局", "王磊、赵六", "王副市长、李副市长", "年底"],
        [1, "重复的序号", "", "", "", "商务局", "", "", "年底"],
    ]

    result = targets_import(allow_new=True, file=simple(rows), year=2011)

    assert [str(e) for e in result.errors] == [
        "第2行「完成时限」：无法识别的日期“尽快”",
        "第3行「序号」：无法识别的序号“第X项”",
        "第4行「项目名称」：缺少项目名称",
        "第4行「完成时限」：日期 2010-06-30 不在 2011 年度内",
        "第5行「目标值」：无法识别的数值“约九成”",
        "第5行「责任单位」：项目“质量基础”缺少责任单位",
        "第6行「责任人」：责任人（2 人）比责任单位（1 个）多，无法一一对应",
        "第6行「分管市长」：只能填写一位分管市长，这里有 2 位",
        "第7行「序号」：序号 1 与第2行的项目重复",
    ]
    assert (snapshot(2010), Unit.objects.count(), PlanYear.objects.count()) == before
    assert not Project.objects.filter(plan__year=2011).exists()


def test_a_good_row_is_not_written_when_another_row_is_bad():
    rows = [
        [1, "实施名牌战略", "", "", "", "质监局", "", "", "年底"],
        [2, "提高服务质量", "", "", "", "商务局", "", "", "下个月"],
    ]
    result = targets_import(allow_new=True, file=simple(rows), year=2011)
    assert [str(e) for e in result.errors] == ["第3行「完成时限」：无法识别的日期“下个月”"]
    assert Project.objects.count() == 0 and Unit.objects.count() == 0


def test_dry_run_reports_but_writes_nothing():
    result = targets_import(allow_new=True, file=clerk_workbook(), year=2011, dry_run=True)
    assert result.errors == [] and result.dry_run
    assert counts(result)["milestones"] == (4, 0, 0)
    assert result.plan_created
    assert not PlanYear.objects.filter(year=2011).exists()
    assert Unit.objects.count() == 0


def test_objects_missing_from_the_workbook_are_kept_and_reported():
    rows = [
        [1, "实施名牌战略", "", "", "争创名牌", "质监局", "", "", "6月底"],
        [1, "实施名牌战略", "", "", "地理标志", "质监局", "", "", "9月底"],
        [2, "提高服务质量", "", "", "", "商务局", "", "", "年底"],
    ]
    targets_import(allow_new=True, file=simple(rows), year=2011)
    result = targets_import(allow_new=True, file=simple(rows[:1]), year=2011)
    assert result.errors == []
    assert result.warnings == [
        "数据库中另有 1 个小项不在表格中，已保留未删除：1-2 地理标志",
        "数据库中另有 1 个项目不在表格中，已保留未删除：第2项 提高服务质量",
    ]
    assert SubItem.objects.count() == 2 and Project.objects.count() == 2


def test_indicators_read_target_and_unit_from_text():
    rows = [[1, "项目", "", "", "", "质监局", "", "", "年底", "合格率", "95%", ""]]
    assert targets_import(allow_new=True, file=simple(rows), year=2011).errors == []
    indicator = Indicator.objects.get()
    assert (indicator.name, indicator.target, indicator.measure) == (
        "合格率",
        Decimal("95.00"),
        "%",
    )


def test_updates_are_recorded_in_history_with_the_new_values(city):
    rows = [[1, "实施名牌战略", "", "", "争创名牌", "质监局", "", "", "6月30日前"]]
    targets_import(allow_new=True, file=simple(rows), year=2011, user=city.adam)
    rows[0][8] = "7月31日前"
    targets_import(allow_new=True, file=simple(rows), year=2011, user=city.olivia)
    milestone = Milestone.objects.get(project__plan__year=2011)
    records = list(milestone.history.order_by("history_id"))
    assert [(r.history_type, r.due_date, r.history_user.username) for r in records] == [
        ("+", D(2011, 6, 30), "adam"),
        ("~", D(2011, 7, 31), "olivia"),
    ]
    assert records[-1].history_change_reason == "导入年度目标"


def _workbook_of(projects: int) -> bytes:
    rows = []
    for p in range(1, projects + 1):
        for s in (1, 2):
            for deadline in ("6月底前", "年底"):
                unit = f"单位{p % 7}"
                rows.append(
                    [
                        p,
                        f"项目{p}",
                        "",
                        "",
                        f"小项{s}",
                        unit,
                        f"人{p % 7}",
                        f"市长{p % 3}",
                        deadline,
                    ]
                )
    return simple(rows)


@pytest.mark.parametrize("dry_run", [True, False])
def test_import_queries_do_not_grow_with_the_workbook(dry_run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert targets_import(allow_new=True, file=_workbook_of(3), year=2011, dry_run=dry_run).ok
    Project.objects.all().delete()
    PlanYear.objects.all().delete()
    Person.objects.all().delete()
    ViceMayor.objects.all().delete()
    Unit.objects.responsible().delete()
    Unit.objects.all().delete()
    with CaptureQueriesContext(connection) as large:
        assert targets_import(allow_new=True, file=_workbook_of(60), year=2011, dry_run=dry_run).ok
    # 20 times the rows (60 projects, 120 sub-items, 240 milestones): the same
    # reads, and at most a few more INSERT batches (SQLite caps the parameters
    # of one statement, so about 100 milestones go in each).
    if dry_run:
        assert len(large) == len(small)
    else:
        assert len(small) <= len(large) <= len(small) + 4


def test_a_unit_named_by_its_full_name_and_short_name_is_one_unit():
    Unit.objects.create(name="质监局", full_name="诸城市质量技术监督局")
    rows = [[1, "质量强企", "", "", "", "质监局、诸城市质量技术监督局", "", "", "年底"]]
    assert targets_import(allow_new=True, file=simple(rows), year=2011).errors == []
    assert list(ProjectUnit.objects.values_list("unit__name", "is_lead")) == [("质监局", True)]


def test_a_sub_item_moved_to_a_new_unit_takes_its_milestones_along():
    rows = [[1, "实施名牌战略", "", "", "争创名牌", "质监局", "王磊", "王世和", "年底"]]
    targets_import(allow_new=True, file=simple(rows), year=2011)
    rows[0][5], rows[0][6], rows[0][7] = "市场监管局", "周八", "新市长"
    result = targets_import(allow_new=True, file=simple(rows), year=2011)
    assert result.errors == []
    sub = SubItem.objects.select_related("unit", "person", "mayor").get()
    assert (sub.unit.name, sub.person.name, sub.mayor.name) == ("市场监管局", "周八", "新市长")
    assert Milestone.objects.get().unit == sub.unit
    assert list(ProjectUnit.objects.values_list("unit__name", "is_lead", "person__name")) == [
        ("市场监管局", True, "周八")
    ]
    assert Project.objects.get().mayor.name == "新市长"
