"""The year's plan: the red-header document, its projects, sub-items,
milestones and indicators, and the progress reported against them.

Reads go through the querysets below (``Project.objects.for_year(2010)``);
writes go through ``projects.services``.
"""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common import clock, evidence
from common.timestamps import ClockDateTimeField
from projects import status, supervision
from projects.review import OPEN_STATES, Route, State
from projects.status import (
    Colour,
    colour_from_counts,
    indicator_met,
    milestone_colour,
    percent_done,
)
from responsibility.models import (
    JURISDICTION_KINDS,
    Person,
    Unit,
    ViceMayor,
    home_jurisdiction_id,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise


class PlanYear(models.Model):
    """One year's red-header document (年度责任制文件), e.g. 诸政发〔2010〕12号, of one
    jurisdiction: each city and county runs its own programme (issue 17)."""

    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="plans",
        default=home_jurisdiction_id,
        limit_choices_to={"kind__in": JURISDICTION_KINDS},
    )
    year = models.PositiveSmallIntegerField(
        _("年度"),
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    title = models.CharField(_("文件标题"), max_length=200)
    issue_date = models.DateField(_("印发日期"), null=True, blank=True)
    is_closed = models.BooleanField(
        _("已结束"), default=False, help_text=_("结束后不再接受进展填报。")
    )
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("年度责任制文件")
        verbose_name_plural = _("年度责任制文件")
        ordering = ["-year", "jurisdiction__order", "jurisdiction__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year"], name="planyear_one_per_jurisdiction_year"
            ),
            # Plans are yearly; anything else is a typing error.
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="planyear_year_sane"
            ),
        ]

    def __str__(self) -> str:
        if self.title.startswith(str(self.year)):
            return self.title
        return f"{self.year}年 {self.title}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, 12, 31)


class Category(models.TextChoices):
    PRODUCT = "product", _("产品质量")
    ENGINEERING = "engineering", _("工程质量")
    SERVICE = "service", _("服务质量")
    ENVIRONMENT = "environment", _("生态环境质量")
    FOUNDATION = "foundation", _("质量基础")
    BRAND = "brand", _("品牌建设")
    OTHER = "other", _("其他")


class ProjectQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(plan__year=year)

    def for_unit(self, unit: Unit):
        """Projects the unit is responsible for, or carries a sub-item of."""
        return self.filter(
            Exists(ProjectUnit.objects.filter(project=OuterRef("pk"), unit=unit))
            | Exists(SubItem.objects.filter(project=OuterRef("pk"), unit=unit))
        )

    def for_mayor(self, mayor: ViceMayor):
        """Projects the vice-mayor supervises, whole or through a sub-item."""
        return self.filter(
            Q(mayor=mayor) | Exists(SubItem.objects.filter(project=OuterRef("pk"), mayor=mayor))
        )

    def overdue(self, today: dt.date | None = None):
        """Projects with at least one milestone past due and not done."""
        today = today or clock.today()
        return self.filter(Exists(Milestone.objects.filter(project=OuterRef("pk")).overdue(today)))

    def due_within(self, days: int, today: dt.date | None = None):
        """Projects with an open milestone due in the next ``days`` days."""
        today = today or clock.today()
        return self.filter(
            Exists(Milestone.objects.filter(project=OuterRef("pk")).due_within(days, today))
        )

    def with_progress(self, today: dt.date | None = None, window_days: int | None = None):
        """Annotate milestone counts (:data:`projects.status.COUNT_NAMES`, named
        ``ms_total``, ``ms_done``, ``ms_due``, ``ms_due_on_time``, ``ms_red``,
        ``ms_amber``, ``ms_late``).

        One join on milestones; ``Project.colour``, ``Project.percent`` and
        ``Project.on_time_percent`` read them.
        """
        return self.annotate(**milestone_counts("milestones", today, window_days))

    def with_page_progress(self, today: dt.date | None = None, window_days: int | None = None):
        """The counts of :meth:`with_progress` (same names), each as a correlated
        COUNT per project: PostgreSQL computes them only for the rows a LIMIT
        keeps (one page of a list sorted by number), where the join and GROUP BY
        count every project's milestones first. Sorting or filtering on a count
        still counts every project, as it must."""
        today = today or clock.today()
        window_days = clock.warning_days() if window_days is None else window_days
        milestones = Milestone.objects.filter(project=OuterRef("pk")).order_by()
        return self.annotate(
            **{
                f"ms_{name}": Coalesce(
                    Subquery(
                        (milestones if condition is None else milestones.filter(condition))
                        .values("project")
                        .annotate(n=models.Count("pk"))
                        .values("n")[:1],
                        output_field=models.IntegerField(),
                    ),
                    models.Value(0),
                )
                for name, condition in status.count_conditions(today, window_days).items()
            }
        )

    def for_list(self):
        """What a list of projects shows: plan, mayor, units and persons, in a fixed
        number of queries."""
        return self.select_related("plan", "mayor").prefetch_related(
            models.Prefetch(
                "assignments",
                queryset=ProjectUnit.objects.select_related("unit", "person").order_by(
                    "-is_lead", "order", "pk"
                ),
            )
        )


def milestone_counts(prefix: str, today: dt.date | None, window_days: int | None) -> dict:
    """Count annotations ``ms_<count>`` (one per :data:`projects.status.COUNT_NAMES`) for
    the milestones reached through ``prefix`` (:func:`projects.status.count_annotations`)."""
    today = today or clock.today()
    window_days = clock.warning_days() if window_days is None else window_days
    return status.count_annotations(today, window_days, prefix=prefix, into="ms_", distinct=True)


class ProgressMixin:
    """Colour, percentage and on-time rate from the ``with_progress()`` annotations."""

    ms_total: int
    ms_done: int
    ms_due: int
    ms_due_on_time: int
    ms_red: int
    ms_amber: int
    ms_late: int

    @property
    def colour(self) -> Colour:
        return colour_from_counts(red=self.ms_red, amber=self.ms_amber, late=self.ms_late)

    @property
    def percent(self) -> int:
        return percent_done(self.ms_done, self.ms_total)

    @property
    def on_time_percent(self) -> int | None:
        return status.on_time_percent(self.ms_due_on_time, self.ms_due)


class Project(ProgressMixin, models.Model):
    """A project (项目) of the year's plan, numbered 1–33 in the document."""

    plan = models.ForeignKey(
        PlanYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="projects"
    )
    number = models.PositiveSmallIntegerField(_("序号"), validators=[MinValueValidator(1)])
    name = models.CharField(_("项目名称"), max_length=120)
    category = models.CharField(
        _("类别"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    target = models.TextField(_("任务目标"), blank=True)
    measures = models.TextField(_("推进措施"), blank=True)
    guarantees = models.TextField(_("组织领导和政策保障"), blank=True)
    trades = models.TextField(
        _("涉及行业"), blank=True, help_text=_("以顿号分隔，如：超市、旅游、金融")
    )
    mayor = models.ForeignKey(
        ViceMayor,
        verbose_name=_("分管市长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    units: "models.ManyToManyField[Unit, ProjectUnit]" = models.ManyToManyField(
        Unit, through="ProjectUnit", verbose_name=_("责任单位"), related_name="projects"
    )
    is_sample = models.BooleanField(
        _("示例数据"), default=False, help_text=_("演示用的虚构内容，非文件原文。")
    )
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["plan__year", "number"]
        constraints = [
            # The document numbers its projects once per year: 第16项 is one project.
            models.UniqueConstraint(
                fields=["plan", "number"], name="project_number_unique_per_year"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="project_number_positive"),
        ]

    def __str__(self) -> str:
        return _("第%(number)s项 %(name)s") % {"number": self.number, "name": self.name}

    @property
    def trade_list(self) -> list[str]:
        from common.text import split_names

        return split_names(self.trades)

    def lead_assignment(self) -> "ProjectUnit | None":
        """The lead unit's assignment. Uses the ``assignments`` prefetch when present."""
        for assignment in self.assignments.all():
            if assignment.is_lead:
                return assignment
        return None


class ProjectUnit(models.Model):
    """A responsible unit of a project, with that unit's responsible person."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    is_lead = models.BooleanField(_("牵头单位"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目责任单位")
        verbose_name_plural = _("项目责任单位")
        ordering = ["-is_lead", "order", "pk"]
        constraints = [
            # A unit is named once per project.
            models.UniqueConstraint(fields=["project", "unit"], name="projectunit_unit_once"),
            # A project has at most one lead unit (牵头单位).
            models.UniqueConstraint(
                fields=["project"], condition=Q(is_lead=True), name="projectunit_one_lead"
            ),
        ]

    def __str__(self) -> str:
        person = f" · {self.person.name}" if self.person is not None else ""
        lead = "（牵头）" if self.is_lead else ""
        return f"{self.unit.name}{lead}{person}"

    def clean(self) -> None:
        if self.person and self.unit_id and self.person.unit_id != self.unit_id:
            raise ValidationError(
                {
                    "person": _("责任人“%(person)s”不属于“%(unit)s”。")
                    % {"person": self.person.name, "unit": self.unit.name}
                }
            )


class SubItemQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(project__plan__year=year)

    def for_unit(self, unit: Unit):
        return self.filter(unit=unit)

    def for_mayor(self, mayor: ViceMayor):
        return self.filter(Q(mayor=mayor) | Q(project__mayor=mayor))

    def overdue(self, today: dt.date | None = None):
        today = today or clock.today()
        return self.filter(Exists(Milestone.objects.filter(subitem=OuterRef("pk")).overdue(today)))

    def due_within(self, days: int, today: dt.date | None = None):
        today = today or clock.today()
        return self.filter(
            Exists(Milestone.objects.filter(subitem=OuterRef("pk")).due_within(days, today))
        )

    def with_progress(self, today: dt.date | None = None, window_days: int | None = None):
        return self.annotate(**milestone_counts("milestones", today, window_days))

    def for_list(self):
        return self.select_related(
            "project__plan", "unit", "person__unit", "mayor", "project__mayor"
        )


class SubItem(ProgressMixin, models.Model):
    """A sub-item (小项) of a project, with its own unit, person and mayor."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="subitems"
    )
    number = models.PositiveSmallIntegerField(_("小项序号"), default=1)
    name = models.CharField(_("小项名称"), max_length=200)
    description = models.TextField(_("具体内容"), blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="subitems"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subitems",
    )
    mayor = models.ForeignKey(
        ViceMayor,
        verbose_name=_("分管市长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subitems",
    )
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SubItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("小项")
        verbose_name_plural = _("小项")
        ordering = ["project__plan__year", "project__number", "number"]
        constraints = [
            # Sub-items are numbered once within their project (16-1, 16-2 …).
            models.UniqueConstraint(fields=["project", "number"], name="subitem_number_unique"),
        ]
        indexes = [
            # /my/ and the unit pages list a unit's sub-items.
            models.Index(fields=["unit", "project"], name="subitem_unit_idx"),
        ]

    def __str__(self) -> str:
        if self.project_id:
            return f"{self.project.number}-{self.number} {self.name}"
        return self.name

    @property
    def effective_mayor(self) -> ViceMayor | None:
        return self.mayor or self.project.mayor

    def clean(self) -> None:
        errors = {}
        if self.project_id and self.unit_id:
            project_units = set(self.project.assignments.values_list("unit_id", flat=True))
            if project_units and self.unit_id not in project_units:
                errors["unit"] = _("“%(unit)s”不是该项目的责任单位，请先在项目中添加。") % {
                    "unit": self.unit.name
                }
        if self.person and self.unit_id and self.person.unit_id != self.unit_id:
            errors["person"] = _("责任人“%(person)s”不属于“%(unit)s”。") % {
                "person": self.person.name,
                "unit": self.unit.name,
            }
        if errors:
            raise ValidationError(errors)


class MilestoneQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(project__plan__year=year)

    def for_unit(self, unit: Unit):
        return self.filter(unit=unit)

    def for_mayor(self, mayor: ViceMayor):
        return self.filter(Q(project__mayor=mayor) | Q(subitem__mayor=mayor))

    def open(self, today: dt.date | None = None):
        """Not done on ``today``."""
        return self.filter(status.open_q(today or clock.today()))

    def done(self, today: dt.date | None = None):
        """Done on or before ``today``."""
        return self.filter(status.done_by_q(today or clock.today()))

    def overdue(self, today: dt.date | None = None):
        """Past due and not done: red (逾期未完成)."""
        return self.filter(status.red_q(today or clock.today()))

    def done_late(self, today: dt.date | None = None):
        """Done after the due date (逾期完成), as of ``today``."""
        return self.filter(status.late_q(today or clock.today()))

    def done_on_time(self, today: dt.date | None = None):
        """Done on or before the due date (按期完成), as of ``today``."""
        return self.filter(status.on_time_q(today or clock.today()))

    def due_within(self, days: int, today: dt.date | None = None):
        """Not done and due between today and ``days`` days from now (inclusive):
        amber when ``days`` is the warning window."""
        return self.filter(status.amber_q(today or clock.today(), days))

    def needing_attention(self, today: dt.date | None = None, window_days: int | None = None):
        """Red or amber: overdue, or due within the warning window."""
        window_days = clock.warning_days() if window_days is None else window_days
        return self.filter(status.attention_q(today or clock.today(), window_days))

    def with_colour(self, today: dt.date | None = None, window_days: int | None = None):
        """Annotate ``colour_code``, the ``Colour`` value of each milestone."""
        window_days = clock.warning_days() if window_days is None else window_days
        return self.annotate(colour_code=status.colour_case(today or clock.today(), window_days))

    def for_list(self):
        return self.select_related(
            "project__plan", "project__mayor", "subitem__mayor", "subitem__person__unit", "unit"
        )

    def with_latest_report(self):
        """Annotate the newest report: ``latest_report_id``, ``latest_review``
        (its review state) and ``latest_reason`` (its return reason). Subqueries
        in the same SELECT, no extra query per row."""
        latest = ProgressReport.objects.filter(milestone=OuterRef("pk")).order_by(
            "-created_at", "-pk"
        )
        return self.annotate(
            latest_report_id=Subquery(latest.values("pk")[:1]),
            latest_review=Subquery(latest.values("review_state")[:1]),
            latest_reason=Subquery(latest.values("return_reason")[:1]),
        )

    def with_open_supervision(self):
        """Annotate ``open_supervision``: the level name of the highest open 督办单
        about each milestone (None when none is open), as ``supervisions_by_milestone``
        counts them. A subquery in the same SELECT, no extra query per row."""
        links = Supervision.milestones.through.objects.filter(
            milestone=OuterRef("pk"), supervision__state__in=sorted(supervision.OPEN_STATES)
        ).order_by("-supervision__level__rank", "-supervision__pk")
        return self.annotate(
            open_supervision=Subquery(links.values("supervision__level__name")[:1])
        )

    def by_urgency(self, today: dt.date | None = None, window_days: int | None = None):
        """Overdue first, then due within the warning window, then the rest (done
        last), each by due date: :func:`projects.status.urgency`."""
        today = today or clock.today()
        window_days = clock.warning_days() if window_days is None else window_days
        return self.annotate(urgency=status.urgency_case(today, window_days)).order_by(
            "urgency", "due_date", "pk"
        )


class Milestone(models.Model):
    """A milestone (进度节点) on a sub-item's timetable, or on a project that has
    no sub-items. ``unit`` is the unit that reports on it."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开始")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    subitem = models.ForeignKey(
        SubItem,
        verbose_name=_("小项"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="milestones"
    )
    name = models.CharField(_("节点内容"), max_length=200)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    due_date = models.DateField(
        _("完成时限"), help_text=_("批准延期后为延期后的日期，是否按期完成以此为准。")
    )
    original_due_date = models.DateField(
        _("原定完成时限"),
        null=True,
        blank=True,
        help_text=_("第一次批准延期前的完成时限；未延期的为空。"),
    )
    done_date = models.DateField(_("完成日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(
        _("完成进度(%)"), default=0, validators=[MaxValueValidator(100)]
    )
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = MilestoneQuerySet.as_manager()
    # Read by django-simple-history when the row is saved: who changed it.
    _history_user: "User | None"
    # Annotated by MilestoneQuerySet.with_open_supervision(): the highest open level.
    open_supervision: str | None

    class Meta:
        verbose_name = _("进度节点")
        verbose_name_plural = _("进度节点")
        ordering = ["due_date", "pk"]
        constraints = [
            # A milestone cannot be done before it starts.
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(done_date__isnull=True)
                | Q(done_date__gte=F("start_date")),
                name="milestone_done_not_before_start",
            ),
            # Nor fall due before it starts.
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__gte=F("start_date")),
                name="milestone_due_not_before_start",
            ),
            # "Done" and a done date go together; the status rule reads done_date.
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_date__isnull=False))
                | (~Q(status="done") & Q(done_date__isnull=True)),
                name="milestone_done_has_date",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="milestone_percent_range"
            ),
        ]
        indexes = [
            # Overdue / due-soon lists: open milestones by due date, per unit.
            models.Index(fields=["unit", "due_date"], name="milestone_unit_due_idx"),
            models.Index(fields=["due_date", "done_date"], name="milestone_due_done_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.due_date:%Y-%m-%d}）"

    def colour(self, today: dt.date | None = None) -> Colour:
        return milestone_colour(
            due_date=self.due_date,
            done_date=self.done_date,
            today=today or clock.today(),
            window_days=clock.warning_days(),
        )

    def days_late(self, today: dt.date | None = None) -> int:
        """Days past the due date (a late completion, or overdue): ``status.days_late``."""
        return status.days_late(
            due_date=self.due_date, done_date=self.done_date, today=today or clock.today()
        )

    def status_label(self, today: dt.date | None = None) -> str:
        """正常 / 临期 / 逾期未完成 / 按期完成 / 逾期完成, as of ``today``."""
        today = today or clock.today()
        return self.colour(today).milestone_label(done=status.is_done_by(self.done_date, today))

    def status_words(self, today: dt.date | None = None) -> str:
        """:meth:`status_label` with the days late when there are any: 按期完成,
        正常, 临期, 逾期完成 29天, 逾期未完成 3天 (the pages, the admin, the PDFs)."""
        return status.milestone_words(
            due_date=self.due_date,
            done_date=self.done_date,
            today=today or clock.today(),
            window_days=clock.warning_days(),
        )

    @property
    def is_done(self) -> bool:
        return self.done_date is not None

    @property
    def was_extended(self) -> bool:
        return self.original_due_date is not None

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        if self.project_id and self.due_date:
            year = self.project.plan.year
            if self.due_date.year != year:
                errors["due_date"] = _("完成时限 %(date)s 不在 %(year)s 年度内。") % {
                    "date": self.due_date.isoformat(),
                    "year": year,
                }
        if self.subitem and self.project_id and self.subitem.project_id != self.project_id:
            errors["subitem"] = _("该小项不属于所选项目。")
        if self.subitem and self.unit_id and self.subitem.unit_id != self.unit_id:
            errors["unit"] = _("进度节点的责任单位应与小项的责任单位一致（%(unit)s）。") % {
                "unit": self.subitem.unit.name
            }
        if self.start_date and self.done_date and self.done_date < self.start_date:
            errors["done_date"] = _("完成日期不能早于开始日期。")
        if self.start_date and self.due_date and self.due_date < self.start_date:
            errors["due_date"] = _("完成时限不能早于开始日期。")
        if self.status == self.Status.DONE and not self.done_date:
            errors["done_date"] = _("状态为“已完成”时须填写完成日期。")
        if self.status != self.Status.DONE and self.done_date:
            errors["status"] = _("已填写完成日期，状态应为“已完成”。")
        if errors:
            raise ValidationError(errors)


class IndicatorQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(project__plan__year=year)

    def for_mayor(self, mayor: ViceMayor):
        """Indicators of what the vice-mayor supervises, the same reach as
        ``Milestone.objects.for_mayor``."""
        return self.filter(Q(project__mayor=mayor) | Q(subitem__mayor=mayor))

    def for_unit(self, unit: Unit):
        return self.filter(
            Q(subitem__unit=unit)
            | Q(subitem__isnull=True)
            & Exists(ProjectUnit.objects.filter(project=OuterRef("project"), unit=unit))
        )


class Indicator(models.Model):
    """A quantified indicator (量化指标) of a project or sub-item."""

    class Direction(models.TextChoices):
        INCREASE = "increase", _("越大越好")
        DECREASE = "decrease", _("越小越好")
        BINARY = "binary", _("完成/未完成")

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="indicators"
    )
    subitem = models.ForeignKey(
        SubItem,
        verbose_name=_("小项"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    name = models.CharField(_("指标名称"), max_length=200)
    measure = models.CharField(_("计量单位"), max_length=20, blank=True)
    baseline = models.DecimalField(
        _("基期值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(
        _("目标值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(
        _("方向"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    actual = models.DecimalField(
        _("实际值"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("最近一次审核通过的填报值。"),
    )
    actual_date = models.DateField(_("实际值日期"), null=True, blank=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = IndicatorQuerySet.as_manager()
    # Read by django-simple-history when the row is saved: who changed it.
    _history_user: "User | None"

    class Meta:
        verbose_name = _("量化指标")
        verbose_name_plural = _("量化指标")
        ordering = ["project__number", "pk"]
        constraints = [
            # Targets are counts and amounts; a negative one is a typing error.
            models.CheckConstraint(
                condition=Q(target__isnull=True) | Q(target__gte=0),
                name="indicator_target_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | Q(baseline__gte=0),
                name="indicator_baseline_not_negative",
            ),
        ]

    def __str__(self) -> str:
        target = f" {self.target.normalize():f}{self.measure}" if self.target is not None else ""
        return f"{self.name}{target}"

    @property
    def is_met(self) -> bool | None:
        return indicator_met(direction=self.direction, target=self.target, actual=self.actual)

    def clean(self) -> None:
        if self.subitem and self.project_id and self.subitem.project_id != self.project_id:
            raise ValidationError({"subitem": _("该小项不属于所选项目。")})


class ProgressReportQuerySet(models.QuerySet):
    def for_unit(self, unit: Unit):
        return self.filter(milestone__unit=unit)

    def for_year(self, year: int):
        return self.filter(milestone__project__plan__year=year)

    def waiting_for_review(self):
        return self.filter(review_state__in=sorted(OPEN_STATES))

    def for_list(self):
        return self.select_related(
            "milestone__project__plan", "milestone__subitem", "milestone__unit", "author"
        )


class ProgressReport(models.Model):
    """One progress update (进展填报) on a milestone.

    Append-only: the content of a report never changes once saved; a correction
    is a new report. Only the review fields move, along the state machine of
    ``projects.review``; ``save()`` enforces this.
    """

    Review = State

    REVIEW_FIELDS = frozenset(
        {
            "review_state",
            "head_approved_by",
            "head_approved_at",
            "reviewed_by",
            "reviewed_at",
            "return_reason",
        }
    )

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("进度节点"), on_delete=models.PROTECT, related_name="reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    created_at = ClockDateTimeField(_("填报时间"), auto_now_add=True)
    status = models.CharField(_("进展状态"), max_length=16, choices=Milestone.Status.choices)
    percent = models.PositiveSmallIntegerField(
        _("完成进度(%)"), validators=[MaxValueValidator(100)]
    )
    narrative = models.TextField(_("进展情况"))
    done_date = models.DateField(_("完成日期"), null=True, blank=True)
    review_state = models.CharField(
        _("审核状态"), max_length=16, choices=Review.choices, default=Review.SUBMITTED
    )
    head_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_approved_at = models.DateTimeField(_("单位审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    route_note = models.CharField(_("报送说明"), max_length=16, choices=Route.choices, blank=True)

    history = HistoricalRecords()
    objects = ProgressReportQuerySet.as_manager()
    # Read by django-simple-history when the row is saved: who changed it.
    _history_user: "User | None"

    class Meta:
        verbose_name = _("进展填报")
        verbose_name_plural = _("进展填报")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="report_percent_range"
            ),
            # A "done" report says when it was done; that date becomes the milestone's.
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_date__isnull=False),
                name="report_done_has_date",
            ),
            # A return always tells the unit why.
            models.CheckConstraint(
                condition=~Q(review_state="returned") | ~Q(return_reason=""),
                name="report_return_has_reason",
            ),
        ]
        indexes = [
            # /review/ lists reports waiting, oldest first.
            models.Index(fields=["review_state", "created_at"], name="report_review_idx"),
            # The dashboards' newest reports (最新进展填报): read backwards, stopping at
            # the tenth in scope (418 → 11 ms at factor 150, EXPLAIN ANALYZE).
            models.Index(fields=["created_at", "id"], name="report_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone.name} · {self.get_status_display()} {self.percent}%"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.REVIEW_FIELDS:
                raise ValueError(
                    "ProgressReport is append-only: only review fields may change "
                    "(pass update_fields)."
                )
        super().save(*args, **kwargs)


def evidence_path(instance: "Evidence", filename: str) -> str:
    """A random name under evidence/YYYY/MM/, keeping only a safe extension."""
    return evidence.stored_name(filename)


class Evidence(models.Model):
    """A file attached to a progress report; served only through a checked view."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展填报"),
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_at = ClockDateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class IndicatorValue(models.Model):
    """An actual indicator value reported with a progress report."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展填报"),
        on_delete=models.PROTECT,
        related_name="indicator_values",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("量化指标"), on_delete=models.PROTECT, related_name="values"
    )
    value = models.DecimalField(_("实际值"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("指标填报值")
        verbose_name_plural = _("指标填报值")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="indicatorvalue_once"),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicatorvalue_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}: {self.value}"


class MailDelivery(models.Model):
    """What became of the e-mail that carried a record (a reminder, a 督办单):
    the record is kept whatever happens to the e-mail."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("发送中")  # recorded, e-mail not yet confirmed
        SENT = "sent", _("已发出")
        FAILED = "failed", _("邮件未发出")
        NO_RECIPIENT = "none", _("无收件人")

    recipients = models.TextField(_("收件人"), blank=True)
    delivery = models.CharField(
        _("邮件状态"), max_length=8, choices=Delivery.choices, default=Delivery.PENDING
    )
    delivery_error = models.TextField(_("未发出原因"), blank=True)

    class Meta:
        abstract = True


class Reminder(MailDelivery):
    """A reminder (督办催办) about one milestone, sent to the unit's clerks.

    ``auto`` reminders come from the daily ``send_reminders`` run, at most one
    per milestone per day. ``manual`` ones are the one-e-mail 督办单 of the
    first release, kept as they were sent; a 督办单 is now a
    :class:`Supervision`, with its whole loop in the application.
    """

    class Kind(models.TextChoices):
        AUTO = "auto", _("自动催办")
        MANUAL = "manual", _("督办单")

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("进度节点"), on_delete=models.CASCADE, related_name="reminders"
    )
    sent_to = models.ForeignKey(
        Unit, verbose_name=_("发送单位"), on_delete=models.PROTECT, related_name="reminders"
    )
    kind = models.CharField(_("方式"), max_length=8, choices=Kind.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_on = models.DateField(_("发送日期"))
    created_at = ClockDateTimeField(_("发送时间"), auto_now_add=True)
    message = models.TextField(_("督办内容"), blank=True)

    class Meta:
        verbose_name = _("督办催办")
        verbose_name_plural = _("督办催办")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The daily run reminds about a milestone once per day, however often cron fires.
            # A failed e-mail does not count: the next run that day tries again.
            models.UniqueConstraint(
                fields=["milestone", "sent_on"],
                condition=Q(kind="auto") & ~Q(delivery="failed"),
                name="reminder_auto_once_per_day",
            ),
            # A 督办单 always says who sent it.
            models.CheckConstraint(
                condition=Q(kind="auto") | Q(sent_by__isnull=False),
                name="reminder_manual_has_sender",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.milestone.name} · {self.sent_on:%Y-%m-%d}"


# --- 督办: the ladder, the items and their evidence ------------------------------------


class SupervisionLevelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class SupervisionLevel(models.Model):
    """A rung of the 督办 ladder the mayor's office configures: 催办 → 督办 → 通报,
    or blue / yellow / red slips. ``rank`` orders the ladder; an item is
    escalated to the active level of the next higher rank."""

    class Tone(models.TextChoices):
        BLUE = "blue", _("蓝色")
        YELLOW = "yellow", _("黄色")
        ORANGE = "orange", _("橙色")
        RED = "red", _("红色")
        GREY = "grey", _("灰色")

    name = models.CharField(_("级别名称"), max_length=20, unique=True)
    rank = models.PositiveSmallIntegerField(
        _("级次"), unique=True, help_text=_("数字越大级别越高；升级时升到下一个启用的级次。")
    )
    tone = models.CharField(_("颜色"), max_length=8, choices=Tone.choices, default=Tone.BLUE)
    ack_days = models.PositiveSmallIntegerField(
        _("签收时限(天)"), default=1, help_text=_("交办后几天内须签收。")
    )
    answer_days = models.PositiveSmallIntegerField(
        _("反馈时限(天)"), default=5, help_text=_("交办后几天内须反馈办理情况（可在交办时另定）。")
    )
    auto_escalate = models.BooleanField(
        _("逾期自动升级"),
        default=True,
        help_text=_("逾期未签收或未反馈的，每日定时任务升级到下一级。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SupervisionLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办级别")
        verbose_name_plural = _("督办级别")
        ordering = ["rank"]
        constraints = [
            # The answer deadline cannot come before the acknowledgement deadline.
            models.CheckConstraint(
                condition=Q(answer_days__gte=F("ack_days")),
                name="supervisionlevel_answer_after_ack",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def next_level(self) -> "SupervisionLevel | None":
        """The active level above this one (one query), None at the top."""
        return SupervisionLevel.objects.active().filter(rank__gt=self.rank).order_by("rank").first()

    def clean(self) -> None:
        if (
            self.ack_days is not None
            and self.answer_days is not None
            and self.answer_days < self.ack_days
        ):
            raise ValidationError({"answer_days": _("反馈时限不能短于签收时限。")})


class SupervisionQuerySet(models.QuerySet):
    def for_unit(self, unit: Unit):
        return self.filter(unit=unit)

    def for_year(self, year: int):
        return self.filter(plan__year=year)

    def open(self):
        return self.filter(state__in=sorted(supervision.OPEN_STATES))

    def waiting_for(self, side: "supervision.Side"):
        """Items waiting for the unit (to acknowledge or answer) or for the office (to close)."""
        return self.filter(state__in=sorted(supervision.WAITING[side]))

    def for_list(self):
        return self.select_related("unit", "level", "sent_by", "plan")


class Supervision(MailDelivery):
    """A 督办单: the mayor's office asks a unit to act on one or more of its
    milestones, with a level, a text, and deadlines to acknowledge and to answer.
    Its loop (交办 → 签收 → 反馈 → 办结/销号, or 升级) is the state machine of
    ``projects.supervision``; writes go through ``projects.services.supervision``.
    An escalation ends the item (``escalated``) and sends a new one at the next
    level, whose ``previous`` is this one.
    """

    State = supervision.State

    plan = models.ForeignKey(
        PlanYear, verbose_name=_("年度"), on_delete=models.PROTECT, related_name="supervisions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("督办单位"), on_delete=models.PROTECT, related_name="supervisions"
    )
    milestones = models.ManyToManyField(
        Milestone, verbose_name=_("督办事项（进度节点）"), related_name="supervisions"
    )
    level = models.ForeignKey(
        SupervisionLevel,
        verbose_name=_("督办级别"),
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    text = models.TextField(_("督办要求"))
    state = models.CharField(
        _("办理状态"), max_length=16, choices=State.choices, default=State.SENT
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空：由每日定时任务按规则升级交办。"),
    )
    sent_at = models.DateTimeField(_("交办时间"))
    sent_on = models.DateField(_("交办日期"))
    ack_due = models.DateField(_("签收时限"))
    answer_due = models.DateField(_("反馈时限"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_on = models.DateField(_("签收日期"), null=True, blank=True)
    answer = models.TextField(_("反馈内容"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answered_on = models.DateField(_("反馈日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结/升级人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("升级时为空：由每日定时任务按规则升级。"),
    )
    closed_at = models.DateTimeField(_("办结/升级时间"), null=True, blank=True)
    closed_on = models.DateField(_("办结/升级日期"), null=True, blank=True)
    close_note = models.TextField(_("办结/升级说明"), blank=True)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("升级自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_to",
    )
    is_sample = models.BooleanField(_("示例数据"), default=False, help_text=_("演示用的虚构内容。"))
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SupervisionQuerySet.as_manager()
    _history_user: "User | None"

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer_due__gte=F("ack_due")) & Q(ack_due__gte=F("sent_on")),
                name="supervision_deadlines_in_order",
            ),
            # 签收、反馈、办结 each record who and when, in that order of the loop.
            models.CheckConstraint(
                condition=~Q(state__in=["acknowledged", "answered"])
                | Q(acknowledged_on__isnull=False),
                name="supervision_acknowledged_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | (Q(answered_on__isnull=False) & ~Q(answer="")),
                name="supervision_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["closed", "escalated"]) | Q(closed_on__isnull=False),
                name="supervision_final_has_date",
            ),
        ]
        indexes = [
            # The inbox: a unit's items by state, newest first; the office's by state.
            models.Index(fields=["unit", "state"], name="supervision_unit_state_idx"),
            models.Index(fields=["state", "answer_due"], name="supervision_state_due_idx"),
        ]

    def __str__(self) -> str:
        return _("%(level)s单 #%(pk)s · %(unit)s") % {
            "level": self.level.name if self.level_id else "",
            "pk": self.pk or "",
            "unit": self.unit.name if self.unit_id else "",
        }

    @property
    def is_open(self) -> bool:
        return self.state in supervision.OPEN_STATES

    def ack_late(self, today: dt.date | None = None) -> bool:
        """签收 late: after its deadline, or missing when it passed (``supervision.is_late``)."""
        return supervision.is_late(
            due=self.ack_due,
            done_on=self.acknowledged_on,
            ended_on=None if self.is_open else self.closed_on,
            today=today or clock.today(),
        )

    def answer_late(self, today: dt.date | None = None) -> bool:
        """反馈 late: after its deadline, or missing when it passed (``supervision.is_late``)."""
        return supervision.is_late(
            due=self.answer_due,
            done_on=self.answered_on,
            ended_on=None if self.is_open else self.closed_on,
            today=today or clock.today(),
        )


def supervision_file_path(instance: "SupervisionFile", filename: str) -> str:
    return evidence.stored_name(filename, prefix="supervision/")


class SupervisionFile(models.Model):
    """Evidence attached to a 督办单's answer (反馈); served only through a checked view."""

    supervision = models.ForeignKey(
        Supervision, verbose_name=_("督办单"), on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField(_("文件"), upload_to=supervision_file_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = ClockDateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("督办反馈材料")
        verbose_name_plural = _("督办反馈材料")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


# --- 延期申请 ------------------------------------------------------------------------


class DeadlineExtensionQuerySet(models.QuerySet):
    def for_unit(self, unit: Unit):
        return self.filter(milestone__unit=unit)

    def waiting_for_review(self):
        return self.filter(review_state__in=sorted(OPEN_STATES))

    def for_list(self):
        return self.select_related(
            "milestone__project__plan", "milestone__subitem", "milestone__unit", "requested_by"
        )


class DeadlineExtension(models.Model):
    """A 延期申请: a unit asks, before a milestone's due date passes, to move it
    to a later date, with a reason and the progress so far. It is decided along
    the review state machine of ``projects.review`` (the unit head, then the
    mayor's office; nobody decides on their own request). Approval moves the
    milestone's due date; the date it had is kept here (``old_due_date``) and
    on the milestone (``original_due_date``, the first one).
    """

    Review = State

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("进度节点"), on_delete=models.PROTECT, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="deadline_extensions",
    )
    created_at = ClockDateTimeField(_("申请时间"), auto_now_add=True)
    old_due_date = models.DateField(_("申请时的完成时限"))
    new_due_date = models.DateField(_("申请延期至"))
    reason = models.TextField(_("延期理由"))
    progress = models.TextField(_("目前进展"))
    review_state = models.CharField(
        _("审批状态"), max_length=16, choices=Review.choices, default=Review.SUBMITTED
    )
    route_note = models.CharField(_("报送说明"), max_length=16, choices=Route.choices, blank=True)
    head_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_approved_at = models.DateTimeField(_("单位审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    return_reason = models.TextField(_("不予批准理由"), blank=True)
    is_sample = models.BooleanField(_("示例数据"), default=False, help_text=_("演示用的虚构内容。"))

    history = HistoricalRecords()
    objects = DeadlineExtensionQuerySet.as_manager()
    _history_user: "User | None"

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # An extension moves a deadline later, never earlier.
            models.CheckConstraint(
                condition=Q(new_due_date__gt=F("old_due_date")),
                name="extension_moves_later",
            ),
            # A refusal always says why.
            models.CheckConstraint(
                condition=~Q(review_state="returned") | ~Q(return_reason=""),
                name="extension_refusal_has_reason",
            ),
            # One request at a time per milestone.
            models.UniqueConstraint(
                fields=["milestone"],
                condition=Q(review_state__in=[s.value for s in sorted(OPEN_STATES)]),
                name="extension_one_open_per_milestone",
            ),
        ]

    def __str__(self) -> str:
        return _("%(name)s 延期至 %(date)s") % {
            "name": self.milestone.name if self.milestone_id else "",
            "date": f"{self.new_due_date:%Y-%m-%d}",
        }

    @property
    def decision_label(self) -> str:
        """The state in the words of a request: 已批准 / 不予批准 for the final ones."""
        return str(
            EXTENSION_STATE_WORDS.get(State(self.review_state), self.get_review_state_display())
        )


EXTENSION_STATE_WORDS: "dict[str, StrOrPromise]" = {
    State.ACCEPTED: _("已批准"),
    State.RETURNED: _("不予批准"),
}


class ImportRun(models.Model):
    """One confirmed import of a targets workbook, written by a task
    (``projects.tasks.run_import``). The upload itself stays in the shared cache
    (``projects.importing.uploads``); the run holds what the user confirmed and,
    once written, the outcome the admin shows. A second confirm of the same
    choices while a run is queued or running joins it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未导入")

    PENDING = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.CASCADE,
        related_name="import_runs",
    )
    year = models.PositiveIntegerField(_("年度"))
    # Whose programme the workbook is imported into; null (runs from before
    # issue 17) stands for the home jurisdiction.
    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("辖区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_runs",
        limit_choices_to={"kind__in": JURISDICTION_KINDS},
    )
    digest = models.CharField(_("文件 SHA-256"), max_length=64)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    fingerprint = models.CharField(_("预览指纹"), max_length=64)
    # The sheet, the column mapping and the decisions about unknown names.
    choices = models.JSONField(_("导入选择"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    summary = models.TextField(_("结果"), blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    errors = models.JSONField(_("未导入原因"), default=list, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        constraints = [
            # A confirm of choices already being imported joins that run.
            models.UniqueConstraint(
                fields=["user", "fingerprint"],
                condition=Q(status__in=["queued", "running"]),
                name="import_run_one_pending_per_preview",
            ),
        ]

    def __str__(self) -> str:
        return _("%(year)s 年度目标导入（%(status)s）") % {
            "year": self.year,
            "status": self.get_status_display(),
        }

    @property
    def pending(self) -> bool:
        return self.status in self.PENDING
