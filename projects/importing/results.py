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


class WorkbookError(Exception):
    """The file as a whole cannot be read: wrong type, encrypted, corrupt, too big,
    a zip bomb, or no header. ``str()`` is the Chinese message for the user."""


@dataclasses.dataclass(frozen=True)
class RowError:
    """One problem in one cell; ``row`` is the row number Excel shows."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"「{self.column}」：{self.message}" if self.column else self.message
        if self.column:
            return f"第{self.row}行「{self.column}」：{self.message}"
        return f"第{self.row}行：{self.message}"


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
