"""One formula rule, and every spreadsheet export agrees on it.

The same table of values goes through every export path: the project list
(``/projects/export.xlsx``), the annex of targets (the admin's download and the
``export_targets`` command), the admin's XLSX and CSV exports of assessment items
(``settings.EXPORT_FORMATS``) and the assessment resource's own dataset. Each value
is stored in a field of its type (text in a text column, numbers in a number
column), exported, read back from the file, and compared with the one expected
result below: text starting with = + - @ TAB CR gets a leading apostrophe, text
that is a plain number and real numbers stay numbers, anything else is unchanged.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from assessment.models import AssessmentItem
from assessment.resources import ItemResource
from common.formula_safe import formula_safe, needs_escape, unescape
from projects.models import Indicator, Project
from projects.services.targets import targets_export, targets_import
from tests import factories
from tests.assessment import builders

# (value stored, value the exported file holds)
CASES = [
    ("=1+1", "'=1+1"),
    ("+1", "+1"),
    ("-1", "-1"),
    ("-5", "-5"),
    ("+3.5", "+3.5"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    (" =1", " =1"),
    ("=", "'="),
    ("-1 项", "'-1 项"),
    ("提高产品质量", "提高产品质量"),
    (16, 16),
    (Decimal("-5"), Decimal("-5")),
    (Decimal("2.5"), Decimal("2.5")),
    (None, None),
]
TEXTS = [(i, v) for i, (v, _e) in enumerate(CASES) if isinstance(v, str)]
EXPECTED = {i: expected for i, (_v, expected) in enumerate(CASES)}
INT = next(i for i, (v, _e) in enumerate(CASES) if isinstance(v, int))
NEGATIVE = next(i for i, (v, _e) in enumerate(CASES) if isinstance(v, Decimal) and v < 0)
FRACTION = next(i for i, (v, _e) in enumerate(CASES) if isinstance(v, Decimal) and v > 0)
NONE = next(i for i, (v, _e) in enumerate(CASES) if v is None)
YEAR = 2012


def _xlsx_rows(data: bytes) -> list[list]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def _csv_rows(data: bytes) -> list[list]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- the paths: each stores the cases, exports and returns {case index: cell read back} ---


@pytest.fixture
def year_with_cases(city):
    """Year 2012: one project per text case (its name), the int case as a project's
    number, the positive Decimal and the None case as two indicators' targets (a
    target cannot be negative)."""
    plan = factories.PlanYearFactory(year=YEAR, doc_number="", title="")
    unit = city.zhijian
    names = {}
    for n, (i, value) in enumerate(TEXTS, start=1):
        project = factories.ProjectFactory(plan=plan, number=n, name=value, mayor=None)
        factories.ProjectUnitFactory(project=project, unit=unit)
        names[n] = i
    numbered = factories.ProjectFactory(plan=plan, number=CASES[INT][0], name="序号", mayor=None)
    factories.ProjectUnitFactory(project=numbered, unit=unit)
    for name, target in (("有目标", CASES[FRACTION][0]), ("无目标", None)):
        Indicator.objects.create(project=numbered, name=name, target=target, measure="")
    return names


def project_list(client, city, names, tmp_path) -> dict:
    client.force_login(city.olivia)
    response = client.get(reverse("project_export"), {"year": YEAR})
    assert response.status_code == 200
    rows = _xlsx_rows(response.content)[2:]  # title, header
    by_number = {row[1]: row for row in rows}
    read = {i: by_number[n][2] for n, i in names.items()}
    read[INT] = by_number[CASES[INT][0]][1]
    return read


def _annex(data: bytes, names) -> dict:
    rows = _xlsx_rows(data)
    header = rows[1]
    col = {label: header.index(label) for label in ("序号", "项目名称", "考核指标", "目标值")}
    data_rows = rows[2:]
    by_number = {row[col["序号"]]: row for row in data_rows if row[col["序号"]] is not None}
    read = {i: by_number[n][col["项目名称"]] for n, i in names.items()}
    read[INT] = next(n for n, row in by_number.items() if row[col["项目名称"]] == "序号")
    targets = {row[col["考核指标"]]: row[col["目标值"]] for row in data_rows}
    read[FRACTION], read[NONE] = targets["有目标"], targets["无目标"]
    return read


def annex_admin(client, city, names, tmp_path) -> dict:
    client.force_login(city.adam)
    response = client.get(reverse("admin:projects_project_export_targets"), {"year": YEAR})
    assert response.status_code == 200
    return _annex(response.content, names)


def annex_command(client, city, names, tmp_path) -> dict:
    path = tmp_path / "annex.xlsx"
    call_command("export_targets", "--year", str(YEAR), "-o", str(path))
    return _annex(path.read_bytes(), names)


@pytest.fixture
def items_with_cases(city):
    """One assessment item per text case (its 考核方式); the int case as an item's
    排序, the Decimal cases as its 未完成得分 and 每项分值, the None case as its
    奖惩封顶."""
    scheme = builders.scheme(YEAR)
    category = builders.category(scheme, "项目推进", 60, order=1)
    names = {}
    for i, value in TEXTS:
        builders.item(category, f"项{i}", method=value)
        names[f"项{i}"] = i
    builders.item(
        category,
        "数字",
        order=CASES[INT][0],
        points_not_done=CASES[NEGATIVE][0],
        per_points=CASES[FRACTION][0],
        cap=CASES[NONE][0],
    )
    return names


def _items(rows: list[list], names) -> dict:
    header, data_rows = rows[0], rows[1:]
    col = {
        k: header.index(k)
        for k in ("考核项目", "考核方式", "排序", "未完成得分", "每项分值", "奖惩封顶(元)")
    }
    by_name = {row[col["考核项目"]]: row for row in data_rows}
    read = {i: by_name[name][col["考核方式"]] for name, i in names.items()}
    numbers = by_name["数字"]
    read[INT], read[NEGATIVE] = numbers[col["排序"]], numbers[col["未完成得分"]]
    read[FRACTION] = numbers[col["每项分值"]]
    read[NONE] = numbers[col["奖惩封顶(元)"]]
    return read


def _admin_export(client, city, fmt: str) -> bytes:
    client.force_login(city.adam)
    url = "/admin/assessment/assessmentitem/export/"
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    fields = [f for f in form.fields if f.startswith("itemresource_")]
    response = client.post(
        url, {"format": formats[fmt], "resource": "0", **dict.fromkeys(fields, "on")}
    )
    assert response.status_code == 200, response.content[:300]
    return response.content


def admin_xlsx(client, city, names, tmp_path) -> dict:
    return _items(_xlsx_rows(_admin_export(client, city, "xlsx")), names)


def admin_csv(client, city, names, tmp_path) -> dict:
    return _items(_csv_rows(_admin_export(client, city, "csv")), names)


def resource_xlsx(client, city, names, tmp_path) -> dict:
    """The resource's dataset written by tablib itself, no escaping format in between
    (with native types, as the admin asks for a binary format)."""
    dataset = ItemResource().export(AssessmentItem.objects.all(), force_native_type=True)
    return _items(_xlsx_rows(dataset.export("xlsx")), names)


def resource_csv(client, city, names, tmp_path) -> dict:
    dataset = ItemResource().export(AssessmentItem.objects.all())
    return _items(_csv_rows(dataset.export("csv").encode()), names)


TEXT_CASES = {i for i, _v in TEXTS}
ALL_CASES = set(range(len(CASES)))
# path: (export, fixture storing the cases, XLSX (typed cells)?, the cases it has columns for)
PATHS = {
    "project list xlsx": (project_list, "year_with_cases", True, TEXT_CASES | {INT}),
    "annex, admin download": (annex_admin, "year_with_cases", True, ALL_CASES - {NEGATIVE}),
    "annex, export_targets command": (
        annex_command,
        "year_with_cases",
        True,
        ALL_CASES - {NEGATIVE},
    ),
    "admin export xlsx": (admin_xlsx, "items_with_cases", True, ALL_CASES),
    "admin export csv": (admin_csv, "items_with_cases", False, ALL_CASES),
    "assessment resource xlsx": (resource_xlsx, "items_with_cases", True, ALL_CASES),
    "assessment resource csv": (resource_csv, "items_with_cases", False, ALL_CASES),
}


def _agrees(read, expected, *, typed: bool) -> bool:
    if expected is None:
        return read in (None, "")
    if isinstance(expected, str):
        # XML (hence XLSX) normalises a carriage return to a line feed on reading.
        return read == (expected.replace("\r", "\n") if typed else expected)
    if typed:  # a number cell, not text
        return type(read) in (int, float) and Decimal(str(read)) == expected
    return isinstance(read, str) and Decimal(read) == expected


@pytest.mark.parametrize("path", PATHS)
def test_every_export_path_writes_the_same_cells(path, request, client, city, tmp_path):
    export, fixture, typed, carries = PATHS[path]
    names = request.getfixturevalue(fixture)
    read = export(client, city, names, tmp_path)
    wrong = {
        CASES[i][0]: (read[i], EXPECTED[i])
        for i in read
        if not _agrees(read[i], EXPECTED[i], typed=typed)
    }
    assert wrong == {}, f"{path}: stored → (exported, expected)"
    assert set(read) == carries


def test_every_case_goes_through_several_paths():
    for i in ALL_CASES:
        assert sum(i in carries for *_x, carries in PATHS.values()) >= 4, CASES[i]


def test_the_annex_imports_back_as_it_was_stored(year_with_cases):
    """The importer takes the apostrophe off again. (It also trims a name's outer
    whitespace, its own rule: those names are left out here.)"""
    plain = {
        n: name
        for n, name in Project.objects.filter(plan__year=YEAR).values_list("number", "name")
        if name == name.strip()
    }
    assert len(plain) >= 10
    result = targets_import(allow_new=True, file=targets_export(year=YEAR), year=YEAR)
    assert result.errors == []
    after = dict(Project.objects.filter(plan__year=YEAR).values_list("number", "name"))
    assert {n: after[n] for n in plain} == plain


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_admin_exports_import_back_as_they_were_stored(fmt, items_with_cases, client, city):
    """Export, then import the file on the admin's import page: nothing changes.
    (A lone carriage return comes back as a line feed, from XLSX's XML and from
    the admin's reading of a CSV upload alike: that item is left out.)"""
    before = {i.name: i.method for i in AssessmentItem.objects.all() if "\r" not in i.method}
    assert len(before) >= 12
    data = _admin_export(client, city, fmt)
    url = "/admin/assessment/assessmentitem/import/"
    formats = {
        label: value for value, label in client.get(url).context["form"].fields["format"].choices
    }
    upload = SimpleUploadedFile(f"items.{fmt}", data)
    page = client.post(url, {"format": formats[fmt], "resource": "0", "import_file": upload})
    assert page.status_code == 200
    confirm = page.context["confirm_form"]
    assert confirm is not None, page.context["form"].errors
    response = client.post(
        reverse("admin:assessment_assessmentitem_process_import"), confirm.initial
    )
    assert response.status_code == 302
    after = {i.name: i.method for i in AssessmentItem.objects.all() if i.name in before}
    assert after == before


@given(st.text(alphabet=st.sampled_from("=+-@\t\r '0123456789.eE项A("), max_size=8))
def test_escaping_is_idempotent_and_undone_exactly(text):
    escaped = formula_safe(text)
    assert formula_safe(escaped) == escaped
    assert not needs_escape(escaped)
    if not text.startswith("'"):
        assert unescape(escaped) == text
