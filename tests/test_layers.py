"""The apps are layers: a module may import only from its own layer or those below.

    common < responsibility < projects < assessment < documents < zhucheng

``common`` is plain helpers; ``zhucheng`` is settings and root URLs, which wire
everything together and so sit on top. The walk reads every module's source
(migrations included) and catches static imports, relative imports, imports
inside functions, and the dynamic ways of reaching a module or model:
``importlib.import_module``, ``__import__``, ``apps.get_model``,
``apps.get_app_config`` and lazy model references such as
``ForeignKey("assessment.AssessmentScheme")``.
"""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
LAYERS = ["common", "responsibility", "projects", "assessment", "documents", "zhucheng"]
RANK = {name: i for i, name in enumerate(LAYERS)}
# Calls whose first string argument names a module, an app or "app.Model".
DYNAMIC_CALLS = {"import_module", "__import__", "get_model", "get_app_config"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def referenced_apps(path: Path) -> list[tuple[int, str, str]]:
    """(line, app, how) for every reference of one of our apps in the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None
    package = package or _module_name(path)
    found: list[tuple[int, str, str]] = []

    def note(line: int, dotted: str, how: str) -> None:
        head = dotted.split(".", 1)[0]
        if head in RANK:
            found.append((line, head, how))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                note(node.lineno, alias.name, "import")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                dotted = ".".join([*base, node.module] if node.module else base)
            else:
                dotted = node.module or ""
            note(node.lineno, dotted, "from-import")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            first = node.args[0] if node.args else None
            text = first.value if isinstance(first, ast.Constant) else None
            if not isinstance(text, str):
                continue
            if name in DYNAMIC_CALLS or (name in RELATION_FIELDS and "." in text):
                note(node.lineno, text, name)
    return found


def violations() -> list[str]:
    out = []
    for app in LAYERS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            for line, other, how in referenced_apps(path):
                if RANK[other] > RANK[app]:
                    rel = path.relative_to(BASE_DIR)
                    out.append(f"{rel}:{line}: {app} reaches up to {other} ({how})")
    return out


def test_no_module_of_a_lower_app_imports_a_higher_one():
    assert violations() == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from assessment.models import AssessmentScheme\n", "assessment"),
        ("import documents.pdfs\n", "documents"),
        ("def f():\n    from assessment import selectors\n", "assessment"),
        ("import importlib\nimportlib.import_module('assessment.selectors')\n", "assessment"),
        ("from django.apps import apps\napps.get_model('assessment', 'ItemScore')\n", "assessment"),
        ("from django.apps import apps\napps.get_app_config('documents')\n", "documents"),
        (
            "from django.db import models\nx = models.ForeignKey('assessment.AssessmentScheme')\n",
            "assessment",
        ),
        ("from .models import Milestone\n", "projects"),  # relative: its own app
    ],
)
def test_the_walk_sees_every_way_of_reaching_up(tmp_path, monkeypatch, source, expected):
    """The walk itself can fail: each of these, written in projects/, is caught."""
    monkeypatch.setattr(f"{__name__}.BASE_DIR", tmp_path)
    module = tmp_path / "projects" / "probe.py"
    module.parent.mkdir()
    (tmp_path / "projects" / "__init__.py").write_text("")
    module.write_text(source)
    assert {app for _, app, _ in referenced_apps(module)} == {expected}
    assert bool(violations()) == (expected != "projects")
