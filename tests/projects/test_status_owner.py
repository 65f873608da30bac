"""``projects/status.py`` is the one owner of the status rule: no other module of
the apps compares a milestone's due or done date with a day, or its done date
with its due date (逾期完成, ``late_q``), in a query or in Python, nor counts
days late by subtracting a due date (``status.days_late``).

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


def _date_name(node: ast.AST) -> str:
    """The field a date operand names: ``m.due_date``, ``due_date``, and the
    expressions ``F("due_date")`` / ``F("milestones__done_date")``."""
    if (
        isinstance(node, ast.Call)
        and _name(node.func) == "F"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value.rsplit("__", 1)[-1]
    return _name(node)


def _due_date_ordered(node: ast.Compare) -> bool:
    """``x.due_date < today``, ``m.done_date > m.due_date`` and the like; not
    ``due_date < start_date``."""
    operands = [node.left, *node.comparators]
    names = [_date_name(operand) for operand in operands]
    ordering = any(isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE) for op in node.ops)
    return ordering and "due_date" in names and not any("start" in n for n in names)


# Django's lookup expressions, which compare two expressions without a keyword.
LOOKUP_CALLS = {"GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "Range"}


def _days_late_arithmetic(node: ast.BinOp) -> bool:
    """``today - m.due_date``, ``done_date - due_date``, ``F("done_date") -
    F("due_date")``: days past a due date, which ``status.days_late`` counts."""
    return isinstance(node.op, ast.Sub) and _date_name(node.right) == "due_date"


def _date_lookup_call(node: ast.Call) -> bool:
    """``GreaterThan(F("done_date"), F("due_date"))`` and the like."""
    return _name(node.func) in LOOKUP_CALLS and any(
        _date_name(arg) in ("due_date", "done_date") for arg in node.args
    )


def status_lookups(source: str) -> list[tuple[int, str]]:
    """(line, lookup) of every status lookup in ``source``, outside constraints."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_constraint: bool) -> None:
        if isinstance(node, ast.Call) and _is_constraint(node):
            in_constraint = True
        if isinstance(node, ast.Compare) and _due_date_ordered(node):
            found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.BinOp) and _days_late_arithmetic(node):
            found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.Call) and not in_constraint and _date_lookup_call(node):
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
    qs.filter(done_date__gt=F("due_date"))  # late, by keyword
    if milestone.done_date > milestone.due_date:  # late, in Python
        pass
    qs.filter(GreaterThan(F("done_date"), F("milestones__due_date")))  # late, as an expression
    days = (today - milestone.due_date).days  # days overdue
    qs.annotate(late=F("done_date") - F("due_date"))  # days late in SQL
    left = (milestone.due_date - today).days  # days left: not lateness
    end = milestone.due_date - dt.timedelta(days=3)  # a date before the due date
'''
    assert [name for _line, name in status_lookups(source)] == [
        "due_date__lt",
        "milestones__done_date__isnull",
        "done_date__lte",
        "__due_date__gte",
        "milestone.due_date < today",
        "done_date__gt",
        "milestone.done_date > milestone.due_date",
        "GreaterThan(F('done_date'), F('milestones__due_date'))",
        "today - milestone.due_date",
        "F('done_date') - F('due_date')",
    ]


def test_the_late_rule_is_written_in_the_owner_and_the_scan_would_see_it_elsewhere():
    owner = (Path(settings.BASE_DIR) / OWNER).read_text(encoding="utf-8")
    found = [name for _line, name in status_lookups(owner)]
    # late_q and on_time_q compare the done date with the due date, in status.py only.
    assert "done_date__gt" in found and "done_date__lte" in found
    # days_late subtracts the due date, in status.py only.
    assert "done_date - due_date" in found and "today - due_date" in found


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
