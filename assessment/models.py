"""The annual assessment (年度绩效考核): schemes, raw values, results, titles.

The tables keep the names they were created with under ``responsibility``
(``db_table``), so moving the models here changed no data. The scoring rules are in
``assessment.scoring`` (pure); writes go through ``assessment.services``;
what the pages and PDFs read is in ``assessment.selectors``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Subquery
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessment import procedure, scoring
from assessment.procedure import Stage
from common import evidence
from common.timestamps import ClockDateTimeField
from projects.status import on_time_percent, percent_done
from responsibility.models import JURISDICTION_KINDS, Unit, home_jurisdiction_id

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class DecimalShape(TypedDict):
    max_digits: int
    decimal_places: int


POINTS: DecimalShape = {"max_digits": 8, "decimal_places": 2}
MONEY: DecimalShape = {"max_digits": 12, "decimal_places": 2}

ASSESSED_KINDS = [
    (Unit.Kind.BUREAU.value, Unit.Kind.BUREAU.label),
    (Unit.Kind.TOWNSHIP.value, Unit.Kind.TOWNSHIP.label),
    (Unit.Kind.COUNTY.value, Unit.Kind.COUNTY.label),
]


def _messages(problems: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: list(messages) for field, messages in problems.items()}


def jurisdiction_ref(jurisdiction: Unit | int | None):
    """A jurisdiction to filter on: its id, or for None the home jurisdiction
    (``responsibility.models.home_jurisdiction``) as a subquery, so that a
    single-city caller costs no extra query."""
    if jurisdiction is None:
        name = getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市")
        return Subquery(
            Unit.objects.filter(name=name, kind__in=JURISDICTION_KINDS)
            .order_by("pk")
            .values("pk")[:1]
        )
    return jurisdiction if isinstance(jurisdiction, int) else jurisdiction.pk


class SchemeQuerySet(models.QuerySet):
    def of(self, jurisdiction: Unit | int | None = None):
        """The schemes of one jurisdiction (None: the home jurisdiction)."""
        return self.filter(jurisdiction_id=jurisdiction_ref(jurisdiction))

    def for_year(self, year: int, jurisdiction: Unit | int | None = None):
        """A jurisdiction's schemes of ``year`` (None: the home jurisdiction's)."""
        return self.of(jurisdiction).filter(year=year)


class AssessmentScheme(models.Model):
    """An assessment scheme (考核办法) of one jurisdiction, for one year and one kind
    of assessed unit (a city's bureaus, a city's counties, a county's townships)."""

    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="assessment_schemes",
        default=home_jurisdiction_id,
        limit_choices_to={"kind__in": JURISDICTION_KINDS},
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    unit_kind = models.CharField(
        _("考核对象"), max_length=16, choices=ASSESSED_KINDS, default=Unit.Kind.BUREAU
    )
    name = models.CharField(_("考核办法名称"), max_length=200)
    total_points = models.DecimalField(_("总分"), default=Decimal("100"), **POINTS)
    excellent_from = models.DecimalField(_("优秀分数线"), default=Decimal("90"), **POINTS)
    good_from = models.DecimalField(_("良好分数线"), default=Decimal("80"), **POINTS)
    pass_from = models.DecimalField(
        _("合格分数线"), default=Decimal("60"), help_text=_("低于此分为不合格。"), **POINTS
    )
    bonus_cap = models.DecimalField(
        _("加分封顶"), default=Decimal("0"), help_text=_("全部加分项合计最多加的分数。"), **POINTS
    )
    title_name = models.CharField(
        _("授予称号"),
        max_length=60,
        blank=True,
        help_text=_("达到称号分数线的单位获得的称号，如“质量先进乡镇(街道)”。"),
    )
    title_from = models.DecimalField(
        _("称号分数线"),
        null=True,
        blank=True,
        help_text=_("被一票否决的单位不授予称号。"),
        **POINTS,
    )
    child_title_points = models.DecimalField(
        _("下级获称号加分"),
        default=Decimal("0"),
        help_text=_("县市区考核：辖区内每个乡镇(街道)获得称号加的分数（不计入加分封顶）。"),
        **POINTS,
    )
    child_title_name = models.CharField(
        _("下级称号名称"), max_length=60, blank=True, help_text=_("如“质量先进乡镇(街道)”。")
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    change_notes = models.TextField(
        _("修订说明"), blank=True, help_text=_("与上一年度考核办法相比的变化。")
    )
    stage = models.CharField(
        _("考核阶段"), max_length=8, choices=Stage.choices, default=Stage.DRAFT
    )
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数"),
        default=procedure.DEFAULT_NOTICE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("考核结果公示的天数，从进入公示之日起算。"),
    )
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    published_at = models.DateTimeField(_("确认最终结果时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认最终结果人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(
        table_name="responsibility_historicalassessmentscheme", excluded_fields=["updated_at"]
    )
    # Read by django-simple-history when the row is saved: who changed it and why.
    _history_user: User | None
    _change_reason: str
    objects = SchemeQuerySet.as_manager()

    class Meta:
        db_table = "responsibility_assessmentscheme"  # created under responsibility; moved here
        verbose_name = _("考核办法")
        verbose_name_plural = _("考核办法")
        ordering = ["-year", "unit_kind"]
        constraints = [
            # One scheme per jurisdiction and year for each kind of assessed unit.
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "unit_kind"],
                name="scheme_one_per_jurisdiction_year_kind",
            ),
            # Grade bands are ordered: 优秀 > 良好 > 合格 ≥ 0.
            models.CheckConstraint(
                condition=Q(pass_from__gte=0)
                & Q(good_from__gt=models.F("pass_from"))
                & Q(excellent_from__gt=models.F("good_from")),
                name="scheme_grade_bands_ordered",
            ),
            models.CheckConstraint(condition=Q(bonus_cap__gte=0), name="scheme_bonus_cap_positive"),
            models.CheckConstraint(condition=Q(total_points__gt=0), name="scheme_total_positive"),
            # 公示 and after have a notice period; before it, none.
            models.CheckConstraint(
                condition=Q(stage__in=["notice", "final"], notice_from__isnull=False)
                | Q(stage__in=["draft", "self", "verify"], notice_from__isnull=True),
                name="scheme_notice_period_with_stage",
            ),
            models.CheckConstraint(
                condition=Q(notice_days__gte=1) & Q(notice_days__lte=60),
                name="scheme_notice_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.name}"

    @property
    def is_published(self) -> bool:
        """Final (最终结果): locked, only an administrator corrects, on record."""
        return procedure.results_locked(self.stage)

    @property
    def is_public(self) -> bool:
        """In 公示 or final: the ranking is shown to every unit and on the public page."""
        return procedure.results_public(self.stage)

    def clean(self) -> None:
        problems = scoring.check_thresholds(
            total_points=self.total_points or Decimal(0),
            excellent_from=self.excellent_from or Decimal(0),
            good_from=self.good_from or Decimal(0),
            pass_from=self.pass_from or Decimal(0),
            bonus_cap=self.bonus_cap if self.bonus_cap is not None else Decimal(0),
        )
        if self.child_title_points is not None and self.child_title_points < 0:
            problems["child_title_points"] = [str(_("加分不能为负数。"))]
        if self.title_name and self.title_from is None:
            problems["title_from"] = [str(_("设置了授予称号，请填写称号分数线。"))]
        if problems:
            raise ValidationError(_messages(problems))

    def weight_problems(self, category_points=None) -> list[str]:
        """Category maxima that do not add up to the total. Reads the categories
        (one query) unless ``category_points`` is given."""
        if category_points is None:
            category_points = [c.max_points for c in self.categories.all()]
        return scoring.check_weights(self.total_points, category_points)

    def problems(self) -> list[str]:
        """Everything that stops the scheme from being scored, in Chinese.

        Reads categories and items (two queries)."""
        categories = list(self.categories.all())
        found = self.weight_problems([c.max_points for c in categories])
        items = list(
            AssessmentItem.objects.filter(category__scheme=self).select_related("category")
        )
        for category in categories:
            item_sum = sum(
                (i.max_points for i in items if i.category_id == category.pk and not i.is_bonus),
                Decimal(0),
            )
            if item_sum != category.max_points:
                found.append(
                    str(_("类别“%(c)s”各项分值合计 %(s)s 分，与类别分值 %(m)s 分不一致。"))
                    % {"c": category.name, "s": scoring.q(item_sum), "m": category.max_points}
                )
        for item in items:
            for messages in scoring.check_rule(item.rule(), is_bonus=item.is_bonus).values():
                found.extend(f"{item.name}：{m}" for m in messages)
        return found


class AssessmentCategory(models.Model):
    """A category (考核类别) of a scheme, e.g. 名牌战略和质量提升工程."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("考核办法"),
        on_delete=models.CASCADE,
        related_name="categories",
    )
    name = models.CharField(_("类别名称"), max_length=100)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    max_points = models.DecimalField(
        _("分值"), help_text=_("本类别非加分项的满分；加分类别填 0。"), **POINTS
    )

    history = HistoricalRecords(table_name="responsibility_historicalassessmentcategory")

    class Meta:
        db_table = "responsibility_assessmentcategory"  # created under responsibility; moved here
        verbose_name = _("考核类别")
        verbose_name_plural = _("考核类别")
        ordering = ["scheme", "order", "pk"]
        constraints = [
            # Items are imported by category name within a scheme.
            models.UniqueConstraint(fields=["scheme", "name"], name="category_name_once"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="category_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.max_points.normalize():f}分）"

    def clean(self) -> None:
        if self.max_points is not None and self.max_points < 0:
            raise ValidationError({"max_points": _("分值不能为负数。")})
        if self.scheme_id and procedure.definition_locked(self.scheme.stage):
            raise ValidationError(
                _("考核已进入“%(stage)s”阶段，不能再修改类别。")
                % {"stage": self.scheme.get_stage_display()}
            )


class ItemQuerySet(models.QuerySet):
    def for_scheme(self, scheme):
        return self.filter(category__scheme=scheme)

    def in_order(self):
        return self.select_related("category").order_by(
            "category__order", "category_id", "order", "pk"
        )


class AssessmentItem(models.Model):
    """An assessment item (考核项目) with how it is checked and its scoring rule."""

    # What defines an item, apart from its category: copied to next year's scheme,
    # edited in the item form, exported to and imported from XLSX.
    DEFINITION_FIELDS = (
        "order",
        "name",
        "method",
        "rule_kind",
        "max_points",
        "is_bonus",
        "points_done",
        "points_partly",
        "points_not_done",
        "money_done",
        "money_partly",
        "money_not_done",
        "tiers",
        "per_points",
        "per_money",
        "target",
        "cap",
        "source",
        "late_credit",
        "supervision_level",
    )

    class Source(models.TextChoices):
        MANUAL = "manual", _("人工录入")
        LINKED = "linked", _("关联指标/节点")
        UNIT_MILESTONES = "unit_milestones", _("本单位到期进度节点按期完成率")
        UNIT_INDICATORS = "unit_indicators", _("本单位全部量化指标达标率")
        UNIT_LATE = "unit_late", _("本单位逾期完成进度节点数")
        UNIT_SUPERVISIONS = "unit_supervisions", _("本单位被督办次数")
        UNIT_LATE_ACKS = "unit_late_acks", _("本单位逾期签收督办单次数")

    # Sources that give a count of occurrences (for 每…扣/加 X rules), not a ratio.
    COUNT_SOURCES = frozenset({Source.UNIT_LATE, Source.UNIT_SUPERVISIONS, Source.UNIT_LATE_ACKS})
    # Sources that count milestones done (on time, and late ones at ``late_credit``).
    MILESTONE_SOURCES = frozenset({Source.UNIT_MILESTONES, Source.LINKED})

    category = models.ForeignKey(
        AssessmentCategory,
        verbose_name=_("考核类别"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    name = models.CharField(_("考核项目"), max_length=200)
    method = models.TextField(_("考核方式"), blank=True)
    rule_kind = models.CharField(
        _("计分规则"),
        max_length=16,
        choices=[(k.value, scoring.RULE_LABELS[k]) for k in scoring.RuleKind],
        default=scoring.RuleKind.FIXED.value,
    )
    max_points = models.DecimalField(_("分值"), default=Decimal("0"), **POINTS)
    is_bonus = models.BooleanField(
        _("加分项"), default=False, help_text=_("加分项不计入类别分值，合计受加分封顶限制。")
    )
    points_done = models.DecimalField(_("完成得分"), default=Decimal("0"), **POINTS)
    points_partly = models.DecimalField(_("部分完成得分"), default=Decimal("0"), **POINTS)
    points_not_done = models.DecimalField(_("未完成得分"), default=Decimal("0"), **POINTS)
    money_done = models.DecimalField(_("完成奖惩(元)"), default=Decimal("0"), **MONEY)
    money_partly = models.DecimalField(_("部分完成奖惩(元)"), default=Decimal("0"), **MONEY)
    money_not_done = models.DecimalField(
        _("未完成奖惩(元)"), default=Decimal("0"), help_text=_("扣款填负数。"), **MONEY
    )
    tiers = models.JSONField(
        _("分档标准"), default=list, blank=True, help_text=_("完成率区间与得分。")
    )
    per_points = models.DecimalField(
        _("每项分值"), default=Decimal("0"), help_text=_("每缺/每超/每个对应的分数。"), **POINTS
    )
    per_money = models.DecimalField(
        _("每项金额(元)"),
        default=Decimal("0"),
        help_text=_("每缺/每超/每个对应的奖惩金额。"),
        **MONEY,
    )
    target = models.DecimalField(
        _("目标值"),
        null=True,
        blank=True,
        max_digits=14,
        decimal_places=2,
        help_text=_("各单位目标不同时留空，录入时按单位填写。"),
    )
    cap = models.DecimalField(
        _("奖惩封顶(元)"), null=True, blank=True, help_text=_("留空为不封顶。"), **MONEY
    )
    source = models.CharField(
        _("原始数据来源"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    late_credit = models.DecimalField(
        _("逾期完成折算"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "按进度节点计分时，逾期完成的节点按此比例计为完成：0 为不计（只计按期完成），"
            "0.5 为计一半，1 为与按期完成相同。"
        ),
    )
    supervision_level = models.ForeignKey(
        "projects.SupervisionLevel",
        verbose_name=_("督办级别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_items",
        help_text=_("来源为“本单位被督办次数”时：只计该级别的督办单；留空为各级合计。"),
    )
    indicators = models.ManyToManyField(
        "projects.Indicator",
        verbose_name=_("关联量化指标"),
        blank=True,
        related_name="assessment_items",
    )
    milestones = models.ManyToManyField(
        "projects.Milestone",
        verbose_name=_("关联进度节点"),
        blank=True,
        related_name="assessment_items",
    )

    history = HistoricalRecords(table_name="responsibility_historicalassessmentitem")
    objects = ItemQuerySet.as_manager()

    class Meta:
        db_table = "responsibility_assessmentitem"  # created under responsibility; moved here
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["category__order", "category", "order", "pk"]
        constraints = [
            # The XLSX import matches items by (category, name).
            models.UniqueConstraint(
                fields=["category", "name"], name="item_name_once_per_category"
            ),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="item_points_positive"),
            # A negative cap would flip rewards into penalties.
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="item_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(per_points__gte=0) & Q(per_money__gte=0), name="item_per_unit_positive"
            ),
            # Late completions count at most as much as on-time ones.
            models.CheckConstraint(
                condition=Q(late_credit__gte=0) & Q(late_credit__lte=1),
                name="item_late_credit_range",
            ),
            # A veto item carries no points and is never a bonus.
            models.CheckConstraint(
                condition=~Q(rule_kind="veto") | (Q(max_points=0) & Q(is_bonus=False)),
                name="item_veto_no_points",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_veto(self) -> bool:
        return self.rule_kind == scoring.RuleKind.VETO

    @property
    def reads_state(self) -> bool:
        return self.rule_kind == scoring.RuleKind.FIXED

    def rule(self) -> scoring.Rule:
        return scoring.Rule(
            kind=scoring.RuleKind(self.rule_kind),
            max_points=self.max_points,
            points_done=self.points_done,
            points_partly=self.points_partly,
            points_not_done=self.points_not_done,
            money_done=self.money_done,
            money_partly=self.money_partly,
            money_not_done=self.money_not_done,
            tiers=scoring.tiers_from_json(self.tiers),
            per_points=self.per_points,
            per_money=self.per_money,
            target=self.target,
            cap=self.cap,
        )

    @property
    def tiers_text(self) -> str:
        return scoring.format_tiers(scoring.tiers_from_json(self.tiers))

    @property
    def rule_text(self) -> str:
        return scoring.describe_rule(self.rule())

    def clean(self) -> None:
        if any(
            getattr(self, f) is None
            for f in (
                "max_points",
                "points_done",
                "points_partly",
                "points_not_done",
                "per_points",
                "per_money",
            )
        ):
            return  # field validation reports the missing numbers
        try:
            problems = _messages(scoring.check_rule(self.rule(), is_bonus=self.is_bonus))
        except (KeyError, TypeError, ArithmeticError):
            problems = {"tiers": [str(_("分档标准格式不对。"))]}
        if self.category_id and procedure.definition_locked(self.category.scheme.stage):
            problems.setdefault("__all__", []).append(
                str(_("考核已进入“%(stage)s”阶段，不能再修改考核项目。"))
                % {"stage": self.category.scheme.get_stage_display()}
            )
        if self.source != self.Source.MANUAL and self.rule_kind == scoring.RuleKind.VETO:
            problems.setdefault("source", []).append(str(_("一票否决项只能人工录入。")))
        if self.source in self.COUNT_SOURCES and self.rule_kind not in (
            scoring.RuleKind.DEDUCT,
            scoring.RuleKind.COUNT,
        ):
            problems.setdefault("rule_kind", []).append(
                str(_("该数据来源是次数，计分规则应为“每缺一项扣分”或“按个数计分”。"))
            )
        if self.supervision_level_id and self.source != self.Source.UNIT_SUPERVISIONS:
            problems.setdefault("supervision_level", []).append(
                str(_("只有来源为“本单位被督办次数”时才选择督办级别。"))
            )
        if self.late_credit and self.source not in self.MILESTONE_SOURCES:
            problems.setdefault("late_credit", []).append(
                str(_("逾期完成折算只用于按进度节点计分的项目。"))
            )
        if problems:
            raise ValidationError(problems)


def evidence_path(instance, filename: str) -> str:
    return evidence.stored_name(filename, prefix="assessment/")


class AssessmentEntry(models.Model):
    """A raw value (原始数据) of one item for one unit, entered by the mayor's office
    with a reason and evidence. Linked items compute theirs from accepted reports;
    an entry on such an item replaces the computed value."""

    item = models.ForeignKey(
        AssessmentItem, verbose_name=_("考核项目"), on_delete=models.CASCADE, related_name="entries"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("被考核单位"),
        on_delete=models.PROTECT,
        related_name="assessment_entries",
    )
    value = models.DecimalField(_("数值"), null=True, blank=True, max_digits=14, decimal_places=2)
    state = models.CharField(
        _("完成情况"),
        max_length=10,
        blank=True,
        choices=[(c.value, scoring.COMPLETION_LABELS[c]) for c in scoring.Completion],
    )
    target = models.DecimalField(
        _("本单位目标值"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    reason = models.TextField(_("依据说明"))
    evidence = models.FileField(_("佐证材料"), upload_to=evidence_path, max_length=200, blank=True)
    evidence_ref = models.CharField(
        _("佐证出处"), max_length=200, blank=True, help_text=_("如检查记录编号、文件文号。")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = ClockDateTimeField(_("录入时间"), auto_now=True)

    history = HistoricalRecords(table_name="responsibility_historicalassessmententry")
    # Read by django-simple-history when the row is saved: who changed it and why.
    _history_user: User | None
    _change_reason: str

    class Meta:
        db_table = "responsibility_assessmententry"  # created under responsibility; moved here
        verbose_name = _("考核原始数据")
        verbose_name_plural = _("考核原始数据")
        ordering = ["item", "unit"]
        constraints = [
            # One current raw value per item and unit; history keeps the earlier ones.
            models.UniqueConstraint(fields=["item", "unit"], name="entry_once_per_item_unit"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="entry_value_not_negative"
            ),
            # Either a number or a completion state, never both or neither.
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(state=""))
                | (Q(value__isnull=True) & ~Q(state="")),
                name="entry_value_or_state",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.item.name}：{self.display_value}"

    def raw(self) -> scoring.Raw:
        return self.raw_of(self.value, self.state, self.target)

    @staticmethod
    def raw_of(value: Decimal | None, state: str, target: Decimal | None) -> scoring.Raw:
        """The raw value of an entry's columns (the compute reads them as rows)."""
        return scoring.Raw(
            value=value, state=scoring.Completion(state) if state else None, target=target
        )

    @property
    def display_value(self) -> str:
        return display_raw(self.raw())

    def clean(self) -> None:
        if not self.item_id:
            return
        problems = _messages(scoring.check_raw(self.item.rule(), self.raw()))
        if self.unit_id and self.unit.kind != self.item.category.scheme.unit_kind:
            problems.setdefault("unit", []).append(str(_("该单位不属于本考核办法的考核对象。")))
        if problems:
            raise ValidationError(problems)


def display_raw(raw: scoring.Raw | None) -> str:
    if raw is None:
        return "—"
    if raw.state is not None:
        return raw.state.label
    if raw.value is None:
        return "—"
    value = format(raw.value.normalize(), "f")
    if raw.target is not None:
        return f"{value} / {format(raw.target.normalize(), 'f')}"
    return value


class ResultQuerySet(models.QuerySet):
    def for_year(self, year: int, jurisdiction: Unit | int | None = None):
        return self.filter(
            scheme__year=year, scheme__jurisdiction_id=jurisdiction_ref(jurisdiction)
        )

    def ranked(self):
        return self.select_related("unit", "scheme").order_by("rank", "unit__order", "unit__name")


class AssessmentResult(models.Model):
    """A unit's result for a scheme's year: totals, rank, grade, money."""

    class GradeChoice(models.TextChoices):
        EXCELLENT = scoring.Grade.EXCELLENT.value, scoring.GRADE_LABELS[scoring.Grade.EXCELLENT]
        GOOD = scoring.Grade.GOOD.value, scoring.GRADE_LABELS[scoring.Grade.GOOD]
        PASS = scoring.Grade.PASS.value, scoring.GRADE_LABELS[scoring.Grade.PASS]
        FAIL = scoring.Grade.FAIL.value, scoring.GRADE_LABELS[scoring.Grade.FAIL]

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("考核办法"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("被考核单位"),
        on_delete=models.PROTECT,
        related_name="assessment_results",
    )
    base_points = models.DecimalField(_("基本分"), default=Decimal("0"), **POINTS)
    bonus_points = models.DecimalField(_("加分"), default=Decimal("0"), **POINTS)
    title_points = models.DecimalField(_("称号加分"), default=Decimal("0"), **POINTS)
    total = models.DecimalField(_("总分"), default=Decimal("0"), **POINTS)
    money = models.DecimalField(_("奖惩合计(元)"), default=Decimal("0"), **MONEY)
    rank = models.PositiveIntegerField(_("名次"), default=0)
    grade = models.CharField(
        _("等次"), max_length=10, choices=GradeChoice.choices, default=GradeChoice.FAIL
    )
    vetoed = models.BooleanField(_("一票否决"), default=False)
    missing_items = models.PositiveSmallIntegerField(_("待录入项数"), default=0)
    computed_at = ClockDateTimeField(_("计算时间"), auto_now=True)
    # The unit's milestone figures the result was computed from, as of a date
    # (``projects.dashboard.unit_ranking``): the unit card prints these next to the
    # scores, so its text and its table come from one computation even after a
    # milestone changes and before anyone recomputes.
    milestones_as_of = models.DateField(_("节点统计截至"), null=True, blank=True)
    milestones_total = models.PositiveIntegerField(_("进度节点数"), default=0)
    milestones_done = models.PositiveIntegerField(_("已完成节点数"), default=0)
    milestones_due = models.PositiveIntegerField(_("已到期节点数"), default=0)
    milestones_due_done = models.PositiveIntegerField(_("已到期节点中已完成数"), default=0)
    milestones_due_on_time = models.PositiveIntegerField(_("已到期节点中按期完成数"), default=0)
    milestones_late = models.PositiveIntegerField(_("逾期完成节点数"), default=0)
    milestones_red = models.PositiveIntegerField(_("逾期未完成节点数"), default=0)
    milestones_amber = models.PositiveIntegerField(_("临期节点数"), default=0)

    history = HistoricalRecords(
        table_name="responsibility_historicalassessmentresult", excluded_fields=["computed_at"]
    )
    objects = ResultQuerySet.as_manager()

    class Meta:
        db_table = "responsibility_assessmentresult"  # created under responsibility; moved here
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "unit"], name="result_once_per_unit"),
            # A vetoed unit is always 不合格.
            models.CheckConstraint(
                condition=Q(vetoed=False) | Q(grade="fail"), name="result_veto_fails"
            ),
        ]
        indexes = [
            # The ranking page reads a scheme's results by rank.
            models.Index(fields=["scheme", "rank"], name="result_scheme_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.year}年 {self.unit.name}：{self.total}分 第{self.rank}名 {self.get_grade_display()}"

    @property
    def milestone_figures(self) -> tuple[int, int, int, int, int, int, int, int]:
        """(total, done, due, due done, due on time, late, red, amber): what the
        result was computed from."""
        return (
            self.milestones_total,
            self.milestones_done,
            self.milestones_due,
            self.milestones_due_done,
            self.milestones_due_on_time,
            self.milestones_late,
            self.milestones_red,
            self.milestones_amber,
        )

    @property
    def milestones_percent(self) -> int:
        return percent_done(self.milestones_done, self.milestones_total)

    @property
    def milestones_on_time_percent(self) -> int | None:
        return on_time_percent(self.milestones_due_on_time, self.milestones_due)


class ItemScore(models.Model):
    """One item's score for one unit: the raw value used, the computed points and
    money, and a hand override (with who and why) when the office made one."""

    class RawSource(models.TextChoices):
        ENTERED = "entered", _("人工录入")
        COMPUTED = "computed", _("系统计算")
        MISSING = "missing", _("待录入")

    result = models.ForeignKey(
        AssessmentResult,
        verbose_name=_("考核结果"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    item = models.ForeignKey(
        AssessmentItem, verbose_name=_("考核项目"), on_delete=models.CASCADE, related_name="scores"
    )
    raw_value = models.DecimalField(
        _("原始数值"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    raw_state = models.CharField(_("完成情况"), max_length=10, blank=True)
    raw_target = models.DecimalField(
        _("目标值"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    raw_source = models.CharField(
        _("数据来源"), max_length=10, choices=RawSource.choices, default=RawSource.MISSING
    )
    computed_points = models.DecimalField(_("计算得分"), default=Decimal("0"), **POINTS)
    computed_money = models.DecimalField(_("计算奖惩(元)"), default=Decimal("0"), **MONEY)
    vetoed = models.BooleanField(_("触发否决"), default=False)
    override_points = models.DecimalField(_("调整后得分"), null=True, blank=True, **POINTS)
    override_money = models.DecimalField(_("调整后奖惩(元)"), null=True, blank=True, **MONEY)
    override_reason = models.TextField(_("调整理由"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("调整时间"), null=True, blank=True)

    history = HistoricalRecords(table_name="responsibility_historicalitemscore")
    # Read by django-simple-history when the row is saved: who changed it and why.
    _history_user: User | None
    _change_reason: str

    class Meta:
        db_table = "responsibility_itemscore"  # created under responsibility; moved here
        verbose_name = _("单项得分")
        verbose_name_plural = _("单项得分")
        ordering = ["result", "item__category__order", "item__order", "item"]
        constraints = [
            models.UniqueConstraint(fields=["result", "item"], name="score_once_per_item"),
            # A hand override always says why.
            models.CheckConstraint(
                condition=(Q(override_points__isnull=True) & Q(override_money__isnull=True))
                | ~Q(override_reason=""),
                name="score_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name}：{self.points}分"

    @property
    def points(self) -> Decimal:
        return self.override_points if self.override_points is not None else self.computed_points

    @property
    def money(self) -> Decimal:
        return self.override_money if self.override_money is not None else self.computed_money

    @property
    def is_overridden(self) -> bool:
        return self.override_points is not None or self.override_money is not None

    def raw(self) -> scoring.Raw | None:
        if self.raw_source == self.RawSource.MISSING:
            return None
        return scoring.Raw(
            value=self.raw_value,
            state=scoring.Completion(self.raw_state) if self.raw_state else None,
            target=self.raw_target,
        )

    @property
    def display_value(self) -> str:
        return display_raw(self.raw())


class TitleAward(models.Model):
    """A title (称号) a unit earned in a year, e.g. 质量先进乡镇(街道)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="titles"
    )
    name = models.CharField(_("称号"), max_length=60)
    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("依据考核办法"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="titles",
        help_text=_("按考核结果自动授予时填写；人工授予留空。"),
    )
    reason = models.CharField(_("授予依据"), max_length=200, blank=True)
    awarded_at = ClockDateTimeField(_("授予时间"), auto_now_add=True)

    history = HistoricalRecords(table_name="responsibility_historicaltitleaward")

    class Meta:
        db_table = "responsibility_titleaward"  # created under responsibility; moved here
        verbose_name = _("称号")
        verbose_name_plural = _("称号")
        ordering = ["-year", "name", "unit__order", "unit__name"]
        constraints = [
            # A unit earns a title once a year.
            models.UniqueConstraint(fields=["year", "unit", "name"], name="title_once_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.unit.name} {self.name}"


# --- The procedure: stages, 自评 and 核查, 复核/申诉 ----------------------------------------


class AssessmentStageChange(models.Model):
    """A move of a scheme from one stage to another: who, when, and (going back)
    why. The procedure's record (全程留痕)."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("考核办法"),
        on_delete=models.CASCADE,
        related_name="stage_changes",
    )
    from_stage = models.CharField(_("原阶段"), max_length=8, choices=Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=8, choices=Stage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = ClockDateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("考核阶段变更")
        verbose_name_plural = _("考核阶段变更")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")), name="stagechange_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def is_back(self) -> bool:
        return procedure.position(self.to_stage) < procedure.position(self.from_stage)


def self_evidence_path(instance, filename: str) -> str:
    return evidence.stored_name(filename, prefix="assessment/self/")


class SelfEntry(models.Model):
    """A unit's own raw value (自评) of one item, with a note and evidence, and the
    office's verification of it (核查): accepted as it stands, or adjusted (the
    office's value is then the item's ``AssessmentEntry``; the difference stays
    visible on the unit's page)."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("待核查")
        ACCEPTED = "accepted", _("核查采纳")
        ADJUSTED = "adjusted", _("核查调整")

    item = models.ForeignKey(
        AssessmentItem,
        verbose_name=_("考核项目"),
        on_delete=models.CASCADE,
        related_name="self_entries",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("被考核单位"), on_delete=models.PROTECT, related_name="self_entries"
    )
    value = models.DecimalField(
        _("自评数值"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    state = models.CharField(
        _("自评完成情况"),
        max_length=10,
        blank=True,
        choices=[(c.value, scoring.COMPLETION_LABELS[c]) for c in scoring.Completion],
    )
    target = models.DecimalField(
        _("本单位目标值"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    note = models.TextField(_("自评说明"))
    evidence = models.FileField(
        _("佐证材料"), upload_to=self_evidence_path, max_length=200, blank=True
    )
    evidence_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = ClockDateTimeField(_("填报时间"), auto_now=True)
    verdict = models.CharField(
        _("核查结果"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    verify_reason = models.TextField(_("核查说明"), blank=True)

    history = HistoricalRecords()
    _history_user: User | None

    class Meta:
        verbose_name = _("单位自评")
        verbose_name_plural = _("单位自评")
        ordering = ["item", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="selfentry_once_per_item_unit"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="selfentry_value_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(state=""))
                | (Q(value__isnull=True) & ~Q(state="")),
                name="selfentry_value_or_state",
            ),
            # An adjusted value always says why.
            models.CheckConstraint(
                condition=~Q(verdict="adjusted") | ~Q(verify_reason=""),
                name="selfentry_adjusted_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.item.name}：{self.display_value}"

    def raw(self) -> scoring.Raw:
        return self.raw_of(self.value, self.state, self.target)

    @staticmethod
    def raw_of(value: Decimal | None, state: str, target: Decimal | None) -> scoring.Raw:
        """The raw value of an entry's columns (the compute reads them as rows)."""
        return scoring.Raw(
            value=value, state=scoring.Completion(state) if state else None, target=target
        )

    @property
    def display_value(self) -> str:
        return display_raw(self.raw())


def objection_evidence_path(instance, filename: str) -> str:
    return evidence.stored_name(filename, prefix="assessment/objections/")


class Objection(models.Model):
    """A unit's objection (复核申请/申诉) to one item of its provisional result,
    lodged during 公示 by its head, and the office's answer: upheld (the score
    changes and is recomputed) or rejected (with a reason)."""

    class State(models.TextChoices):
        OPEN = "open", _("待答复")
        UPHELD = "upheld", _("已采纳")
        REJECTED = "rejected", _("不予采纳")

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("考核办法"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("申请单位"), on_delete=models.PROTECT, related_name="objections"
    )
    item = models.ForeignKey(
        AssessmentItem,
        verbose_name=_("考核项目"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    reason = models.TextField(_("申请理由"))
    evidence = models.FileField(
        _("佐证材料"), upload_to=objection_evidence_path, max_length=200, blank=True
    )
    evidence_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    lodged_at = ClockDateTimeField(_("申请时间"), auto_now_add=True)
    state = models.CharField(
        _("答复结果"), max_length=10, choices=State.choices, default=State.OPEN
    )
    answer = models.TextField(_("答复意见"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    points_before = models.DecimalField(
        _("原得分"), null=True, blank=True, help_text=_("申请时该项的得分。"), **POINTS
    )
    points_after = models.DecimalField(
        _("复核后得分"), null=True, blank=True, help_text=_("采纳后重新计算的得分。"), **POINTS
    )
    is_sample = models.BooleanField(_("示例数据"), default=False)

    history = HistoricalRecords()
    _history_user: User | None

    class Meta:
        verbose_name = _("复核申请")
        verbose_name_plural = _("复核申请")
        ordering = ["-lodged_at", "-pk"]
        constraints = [
            # An answer always says why; an open objection has none yet.
            models.CheckConstraint(
                condition=Q(state="open", answered_at__isnull=True)
                | (~Q(state="open") & ~Q(answer="") & Q(answered_at__isnull=False)),
                name="objection_answer_with_state",
            ),
            # One open objection per item and unit at a time.
            models.UniqueConstraint(
                fields=["scheme", "unit", "item"],
                condition=Q(state="open"),
                name="objection_one_open_per_item",
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "state"], name="objection_scheme_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.item.name}（{self.get_state_display()}）"


# --- Computing as a task ----------------------------------------------------------------


class ComputeRun(models.Model):
    """One request to compute a scheme's results, run as a task (``assessment.tasks``):
    what the page that says 计算中 reads. While one is queued or running, a second
    request for the same scheme joins it instead of starting another."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("考核办法"),
        on_delete=models.CASCADE,
        related_name="compute_runs",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.TextField(_("失败原因"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    units = models.PositiveIntegerField(_("计算单位数"), null=True, blank=True)
    missing = models.PositiveIntegerField(_("待录入项数"), null=True, blank=True)
    requested_at = ClockDateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核计算任务")
        verbose_name_plural = _("考核计算任务")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One queued or running compute per scheme: a second request joins it.
            models.UniqueConstraint(
                fields=["scheme"],
                condition=Q(status__in=["queued", "running"]),
                name="compute_run_one_active_per_scheme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
