"""Admin of the assessment and XLSX import/export of schemes."""

from decimal import Decimal as D

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment.models import AssessmentCategory, AssessmentItem, AssessmentScheme
from assessment.resources import CategoryResource, ItemResource, SchemeResource
from tests.assessment import builders


@pytest.fixture
def scheme(city):
    return builders.bureau_scheme()


def xlsx_roundtrip(resource, queryset) -> tablib.Dataset:
    data = resource.export(queryset).export("xlsx")
    return tablib.Dataset().load(data, format="xlsx")


def test_items_round_trip_through_xlsx_unchanged(scheme):
    items = AssessmentItem.objects.for_scheme(scheme)
    dataset = xlsx_roundtrip(ItemResource(), items)
    assert dataset.headers[:5] == ["年度", "考核对象", "考核类别", "排序", "考核项目"]
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert (str(row["年度"]), row["考核对象"], row["计分规则"]) == (
        "2010",
        "市直部门",
        "按完成率分档",
    )
    assert row["分档标准"] == "0-60:0; 60-80:20; 80-100:32; 100-:40"
    before = list(items.values())
    result = ItemResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert {r.import_type for r in result.rows} == {"skip"}
    assert list(AssessmentItem.objects.for_scheme(scheme).values()) == before


def test_edited_workbook_updates_and_adds_items(scheme):
    dataset = xlsx_roundtrip(ItemResource(), AssessmentItem.objects.for_scheme(scheme))
    col = dataset.headers.index("每项金额(元)")
    name_col = dataset.headers.index("考核项目")
    rows = [list(r) for r in dataset]
    for r in rows:
        if r[name_col] == "服务企业记录、检定记录":
            r[col] = 60
    new = dict.fromkeys(dataset.headers, "")
    new.update(
        {
            "年度": 2010,
            "考核对象": "市直部门",
            "考核类别": "加分项",
            "排序": 2,
            "考核项目": "获山东省省长质量奖",
            "计分规则": "按个数计分",
            "分值": 3,
            "加分项": "是",
            "每项分值": 3,
        }
    )
    rows.append([new[h] for h in dataset.headers])
    edited = tablib.Dataset(*rows, headers=dataset.headers)
    result = ItemResource().import_data(edited, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    records = AssessmentItem.objects.get(name="服务企业记录、检定记录")
    assert records.per_money == D(60)
    award = AssessmentItem.objects.get(name="获山东省省长质量奖")
    assert (award.is_bonus, award.rule_kind, award.category.name) == (True, "count", "加分项")


def _row(dataset, **changes):
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    row.update(changes)
    return tablib.Dataset([row[h] for h in dataset.headers], headers=dataset.headers)


def test_bad_rows_are_refused_with_chinese_messages_and_change_nothing(scheme):
    dataset = xlsx_roundtrip(ItemResource(), AssessmentItem.objects.for_scheme(scheme))
    before = list(AssessmentItem.objects.values())
    for changes, expected in [
        ({"分档标准": "0-80:0; 70-100:32; 100-:40"}, "重叠"),
        ({"分档标准": "0-60:0; 80-100:32; 100-:40"}, "空档"),
        ({"奖惩封顶(元)": -100}, "封顶金额不能为负数"),
        ({"考核类别": "不存在的类别"}, "没有类别"),
        ({"计分规则": "随便打分"}, "不是可选值"),
    ]:
        result = ItemResource().import_data(
            _row(dataset, **changes), dry_run=False, raise_errors=False
        )
        messages = " ".join(
            str(m) for row in result.invalid_rows for ms in row.error_dict.values() for m in ms
        ) + " ".join(str(e.error) for _, errs in result.row_errors() for e in errs)
        assert expected in messages, (changes, messages)
        assert list(AssessmentItem.objects.values()) == before


def test_categories_and_scheme_export_and_import(scheme):
    dataset = xlsx_roundtrip(CategoryResource(), AssessmentCategory.objects.filter(scheme=scheme))
    assert dataset.headers == ["年度", "考核对象", "考核办法", "考核类别", "排序", "分值"]
    result = CategoryResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    schemes = xlsx_roundtrip(SchemeResource(), AssessmentScheme.objects.all())
    assert [str(v) for v in schemes[0][:3]] == ["2010", "市直部门", "2010年度考核办法"]
    result = SchemeResource().import_data(schemes, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()


def test_a_scheme_under_way_is_not_changed_by_import(scheme, city):
    from assessment.procedure import Stage
    from assessment.services import steps

    dataset = xlsx_roundtrip(ItemResource(), AssessmentItem.objects.for_scheme(scheme))
    steps.scheme_move(scheme=scheme, target=Stage.SELF, by=city.olivia)
    result = ItemResource().import_data(_row(dataset, 分值=35), dry_run=False, raise_errors=False)
    assert result.has_validation_errors()
    assert "不能再修改考核项目" in str(result.invalid_rows[0].error_dict)


def test_item_clean_refuses_negative_cap_and_bad_tiers(scheme):
    item = AssessmentItem.objects.get(category__scheme=scheme, name__startswith="名牌产品")
    item.cap = D(-1)
    with pytest.raises(ValidationError) as exc:
        item.full_clean()
    assert "封顶金额不能为负数" in str(exc.value.message_dict["cap"])


# --- Admin pages --------------------------------------------------------------------


def test_admin_pages_open(client, city, scheme):
    client.force_login(city.adam)
    item = AssessmentItem.objects.for_scheme(scheme).first()
    for url in [
        reverse("admin:assessment_assessmentscheme_changelist"),
        reverse("admin:assessment_assessmentscheme_change", args=[scheme.pk]),
        reverse("admin:assessment_assessmentcategory_change", args=[item.category_id]),
        reverse("admin:assessment_assessmentitem_changelist"),
        reverse("admin:assessment_assessmentitem_change", args=[item.pk]),
        reverse("admin:assessment_assessmentitem_import"),
        reverse("admin:assessment_assessmentresult_changelist"),
        reverse("admin:assessment_titleaward_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def _scheme_post(scheme, categories, **fields):
    data = {
        "year": scheme.year,
        "unit_kind": scheme.unit_kind,
        "name": scheme.name,
        "total_points": "100",
        "excellent_from": "90",
        "good_from": "80",
        "pass_from": "60",
        "bonus_cap": "5",
        "title_name": "",
        "title_from": "",
        "child_title_name": "",
        "child_title_points": "0",
        "change_notes": "",
        "categories-TOTAL_FORMS": str(len(categories)),
        "categories-INITIAL_FORMS": str(len(categories)),
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
    }
    for i, (category, points) in enumerate(categories):
        data.update(
            {
                f"categories-{i}-id": category.pk,
                f"categories-{i}-scheme": scheme.pk,
                f"categories-{i}-order": category.order,
                f"categories-{i}-name": category.name,
                f"categories-{i}-max_points": points,
            }
        )
    data.update(fields)
    return data


def test_admin_refuses_weights_that_do_not_add_up(client, city, scheme):
    client.force_login(city.adam)
    url = reverse("admin:assessment_assessmentscheme_change", args=[scheme.pk])
    cats = list(scheme.categories.order_by("order"))
    response = client.post(
        url,
        _scheme_post(
            scheme, [(c, c.max_points) for c in cats[:1]] + [(cats[1], "30"), (cats[2], "0")]
        ),
    )
    assert response.status_code == 200
    assert "与考核办法总分 100.00 分不一致" in response.content.decode()
    assert scheme.categories.get(name="综合管理").max_points == 40
    response = client.post(
        url, _scheme_post(scheme, [(c, c.max_points) for c in cats], bonus_cap="-1")
    )
    assert "加分封顶不能为负数" in response.content.decode()
    response = client.post(
        url, _scheme_post(scheme, [(c, c.max_points) for c in cats], excellent_from="70")
    )
    assert "优秀 &gt; 良好 &gt; 合格" in response.content.decode()


def test_admin_item_form_reads_tier_text(client, city, scheme):
    client.force_login(city.adam)
    item = AssessmentItem.objects.get(category__scheme=scheme, name="进度节点按期完成率")
    url = reverse("admin:assessment_assessmentitem_change", args=[item.pk])
    response = client.get(url)
    assert "0-60:0; 60-80:20; 80-100:32; 100-:40" in response.content.decode()
    data = {
        "category": item.category_id,
        "order": 0,
        "name": item.name,
        "method": "",
        "rule_kind": "tiers",
        "max_points": "40",
        "points_done": "0",
        "points_partly": "0",
        "points_not_done": "0",
        "money_done": "0",
        "money_partly": "0",
        "money_not_done": "0",
        "tiers": "0-60:0; 70-100:32; 100-:40",
        "per_points": "0",
        "per_money": "0",
        "target": "",
        "cap": "",
        "source": "unit_milestones",
        "late_credit": "0",
        "supervision_level": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "之间有空档" in response.content.decode()
    data["tiers"] = "0-50:0; 50-100:30; 100-:40"
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.tiers_text == "0-50:0; 50-100:30; 100-:40"


def test_admin_copy_to_next_year_action(client, city, scheme):
    client.force_login(city.adam)
    response = client.post(
        reverse("admin:assessment_assessmentscheme_changelist"),
        {"action": "copy_to_next_year", "_selected_action": [scheme.pk]},
        follow=True,
    )
    assert response.status_code == 200
    copy = AssessmentScheme.objects.get(year=2011)
    assert copy.copied_from == scheme


def test_a_workbook_from_before_the_late_and_supervision_columns_still_imports(scheme):
    """Last year's export has no 逾期完成折算 / 督办级别 columns: they default to 0 / none."""
    dataset = xlsx_roundtrip(ItemResource(), AssessmentItem.objects.for_scheme(scheme))
    keep = [h for h in dataset.headers if h not in ("逾期完成折算", "督办级别")]
    rows = [[dict(zip(dataset.headers, r, strict=True))[h] for h in keep] for r in dataset]
    old = tablib.Dataset(*rows, headers=keep)
    result = ItemResource().import_data(old, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows
    item = AssessmentItem.objects.get(category__scheme=scheme, name="进度节点按期完成率")
    assert (item.late_credit, item.supervision_level) == (D(0), None)
