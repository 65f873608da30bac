"""What an import tells its caller: problems, counts and the list of changes."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext_lazy as _

# Kinds counted by an import, in the order they are reported, with their labels.
KINDS: dict[str, object] = {
    "projects": _("项目"),
    "subitems": _("小项"),
    "milestones": _("进度节点"),
    "indicators": _("量化指标"),
    "units": _("责任单位"),
    "persons": _("责任人"),
    "mayors": _("分管市长"),
}


# Shown when an import fails for a reason that is ours, not the file's.
INTERNAL_ERROR = "导入时发生内部错误，没有写入任何数据。请把文件发给系统管理员检查。"


class WorkbookError(Exception):
    """The file as a whole cannot be read: wrong type, encrypted, corrupt, too big,
    a zip bomb, or no header. ``str()`` is the Chinese message for the user."""


@dataclasses.dataclass(frozen=True)
class RowError:
    """One problem in one cell; ``row`` is the row number Excel shows."""

    row: int | None
    column: str
    message: str
    # For a name the database does not know, left undecided: the name's key
    # (the admin shows a choice for it instead of the message).
    name_key: str = ""

    def __str__(self) -> str:
        if self.row is None:
            return f"「{self.column}」：{self.message}" if self.column else self.message
        if self.column:
            return f"第{self.row}行「{self.column}」：{self.message}"
        return f"第{self.row}行：{self.message}"


@dataclasses.dataclass(frozen=True)
class SkippedRow:
    """Rows of the sheet that were read but not imported, and why (a note, a
    blank run, a section title); ``to_row`` ends a run of such rows."""

    row: int
    reason: str
    to_row: int | None = None

    def __str__(self) -> str:
        if self.to_row and self.to_row != self.row:
            return f"第{self.row}–{self.to_row}行：{self.reason}"
        return f"第{self.row}行：{self.reason}"


@dataclasses.dataclass
class KindCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclasses.dataclass(frozen=True)
class Change:
    """One created or updated object, for the preview: ``修改 小项 16-1 …：名称 “a” → “b”``."""

    kind: str
    action: str  # "created" | "updated"
    label: str
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def action_label(self) -> str:
        return str(_("新增")) if self.action == "created" else str(_("修改"))

    def __str__(self) -> str:
        detail = f"：{self.detail}" if self.detail else ""
        return f"{self.action_label}{self.kind_label} {self.label}{detail}"


@dataclasses.dataclass
class UnknownName:
    """A unit, person or vice-mayor the database does not know: the user decides
    whether it is new or one already known (``suggestions``: (pk, label) of the
    nearest known names, best first)."""

    kind: str  # "units" | "persons" | "mayors"
    name: str
    rows: list[int]
    suggestions: list[tuple[int, str]]
    unit: str = ""  # for a person: the unit it belongs to
    decision: str = ""  # "new", "same:<pk>", or "" (undecided: the import is refused)

    @property
    def key(self) -> str:
        """Names the decision in forms and on the command line."""
        return name_key(self.kind, self.name, self.unit)

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def label(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


def name_key(kind: str, name: str, unit: str = "") -> str:
    return f"{kind}:{unit}/{name}" if unit else f"{kind}:{name}"


@dataclasses.dataclass(frozen=True)
class NameChoices:
    """What the user decided about names the database does not know: all new
    (``allow_new``, the command's ``--allow-new``), some confirmed as new
    (``new``: keys of :class:`UnknownName`), some the same as a known object
    (``same_as``: key → its pk). An unknown name with no decision is refused."""

    allow_new: bool = False
    new: frozenset[str] = frozenset()
    same_as: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class ImportResult:
    """The outcome of one import (or dry run). Nothing was written when ``errors``
    is not empty or ``dry_run`` is true."""

    year: int
    dry_run: bool
    counts: dict[str, KindCount] = dataclasses.field(
        default_factory=lambda: {kind: KindCount() for kind in KINDS}
    )
    changes: list[Change] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    rows: int = 0
    plan_created: bool = False
    unknown_names: list[UnknownName] = dataclasses.field(default_factory=list)
    # How the workbook was read: the sheet, what the reader noticed, the rows
    # not imported and the columns (header, letter) it did not know.
    sheet: str = ""
    notes: list[str] = dataclasses.field(default_factory=list)
    skipped: list[SkippedRow] = dataclasses.field(default_factory=list)
    unknown_columns: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.changes) or self.plan_created

    def count_rows(self) -> list[tuple[str, KindCount]]:
        """(label, counts) per kind, for templates and the command."""
        return [(str(KINDS[kind]), self.counts[kind]) for kind in KINDS]

    def summary(self) -> str:
        """``项目 新增2 修改1 未变30；小项 …`` on one line."""
        return "；".join(
            str(_("%(kind)s 新增%(created)d 修改%(updated)d 未变%(unchanged)d"))
            % {
                "kind": label,
                "created": c.created,
                "updated": c.updated,
                "unchanged": c.unchanged,
            }
            for label, c in self.count_rows()
        )
