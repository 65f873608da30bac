"""``projects/status.py`` is the one owner of the status rule: no other module of
the apps compares a milestone's due or done date with a day, in a query or in
Python.

The scan reads the syntax tree, not the text, so it sees every way a lookup
is written (keyword arguments, ``Q(**{...})`` dictionaries, f-strings) and
nothing in comments or docstrings. Exempt, because they are not the status
rule: database constraints and checks against the start date (a milestone
cannot fall due or be done before it starts), and Python comparisons of a
*done* date, with which the forms and services validate input (not after
today, not before the start).
"""

import ast
import re
from pathlib import Path

from django.conf import settings

APPS = ("common", "responsibility", "projects", "assessment", "documents", "zhucheng")
OWNER = Path("projects") / "status.py"

# A status lookup on a milestone's dates: due_date__lt, milestones__done_date__isnull, ...
STATUS_LOOKUP = re.compile(
    r"(?:^|__)(?:due_date__(?:lt|lte|gt|gte|range)|done_date__(?:isnull|lt|lte|gt|gte|range))"
    r"(?:$|__)"
)
# The same in a template: {% if m.due_date < today %}
TEMPLATE_COMPARISON = re.compile(r"\b(?:due_date|done_date)\s*(?:<|>|<=|>=)")


def _is_constraint(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "CheckConstraint"


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return getattr(node, "id", "")


def _due_date_ordered(node: ast.Compare) -> bool:
    """``x.due_date < today`` and the like; not ``due_date < start_date``."""
    operands = [node.left, *node.comparators]
    names = [_name(operand) for operand in operands]
    ordering = any(isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops)
    return ordering and "due_date" in names and not any("start" in n for n in names)


def status_lookups(source: str) -> list[tuple[int, str]]:
    """(line, lookup) of every status lookup in ``source``, outside constraints."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_constraint: bool) -> None:
        if isinstance(node, ast.Call) and _is_constraint(node):
            in_constraint = True
        if isinstance(node, ast.Compare) and _due_date_ordered(node):
            found.append((node.lineno, ast.unparse(node)))
        if not in_constraint:
            names: list[str] = []
            if isinstance(node, ast.keyword) and node.arg:
                names.append(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.append(node.value)
            for name in names:
                if STATUS_LOOKUP.search(name):
                    found.append((getattr(node, "lineno", 0), name))
        for child in ast.iter_child_nodes(node):
            visit(child, in_constraint)

    tree = ast.parse(source)
    # Docstrings may describe the rule in words; only code counts.
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body[0] = ast.Pass()
    visit(tree, False)
    return found


def app_sources():
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            relative = path.relative_to(base)
            if "migrations" in relative.parts or relative == OWNER:
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_the_scan_finds_each_way_of_writing_a_status_lookup():
    source = '''
"""A docstring may say due_date__lt."""
from django.db import models
from django.db.models import Q

def late(qs, today, prefix):
    qs.filter(due_date__lt=today)
    qs.filter(Q(milestones__done_date__isnull=True))
    qs.filter(**{"done_date__lte": today})
    qs.filter(**{f"{prefix}__due_date__gte": today})
    qs.filter(due_date__year=2010, done_date=None)  # not a status comparison
    models.CheckConstraint(condition=Q(done_date__gte=models.F("start_date")), name="x")
    if milestone.due_date < today or days_left(milestone.due_date) > 3:
        pass
    if milestone.due_date < milestone.start_date or done_date > today:  # validation
        pass
'''
    assert [name for _line, name in status_lookups(source)] == [
        "due_date__lt",
        "milestones__done_date__isnull",
        "done_date__lte",
        "__due_date__gte",
        "milestone.due_date < today",
    ]


def test_no_module_but_status_compares_milestone_dates_in_a_query():
    offenders = [
        f"{path}:{line}: {name}"
        for path, source in app_sources()
        for line, name in status_lookups(source)
    ]
    assert offenders == [], (
        "status lookups outside projects/status.py; use its builders "
        "(red_q, amber_q, open_q, done_by_q, count_annotations, ...):\n" + "\n".join(offenders)
    )


def test_no_template_compares_milestone_dates():
    base = Path(settings.BASE_DIR)
    templates = [*(base / "templates").rglob("*.html"), *base.glob("*/templates/**/*.html")]
    assert templates
    offenders = [
        f"{path.relative_to(base)}:{n}"
        for path in templates
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_COMPARISON.search(line)
    ]
    assert offenders == []
