"""Who is responsible: units (bureaus, counties, townships), persons, vice-mayors,
and which unit a user account belongs to.

This is the bottom layer: it imports nothing from the other apps. The annual
assessment is in ``assessment``, the year plan in ``projects``.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.timestamps import ClockDateTimeField

JURISDICTION_KINDS = ("province", "city", "county", "township")  # Unit.Kind values
JURISDICTION_DEPTH = 4  # province → city → county → township


def existing_home_jurisdiction() -> "Unit | None":
    """The home jurisdiction if it exists (see :func:`home_jurisdiction`)."""
    name = getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市")
    return Unit.objects.filter(name=name, kind__in=JURISDICTION_KINDS).order_by("pk").first()


def home_jurisdiction() -> "Unit":
    """The deployment's own jurisdiction (``settings.ZHUCHENG_HOME_JURISDICTION``,
    诸城市 by default): the default owner of plans, units and vice-mayors that are
    created without naming one, so that a single-city deployment never has to."""
    found = existing_home_jurisdiction()
    if found is not None:
        return found
    name = getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市")
    with transaction.atomic():
        unit, _created = Unit.objects.get_or_create(
            name=name,
            jurisdiction=None,
            defaults={"kind": "city", "full_name": f"{name}人民政府"},
        )
    return unit


def home_jurisdiction_id() -> int:
    return home_jurisdiction().pk


class UnitQuerySet(models.QuerySet):
    def responsible(self):
        """Units that carry work (bureaus, offices, ...), not jurisdiction nodes."""
        return self.exclude(kind__in=JURISDICTION_KINDS)

    def jurisdictions(self):
        return self.filter(kind__in=JURISDICTION_KINDS)


class Unit(models.Model):
    """A responsible unit (责任单位), or a jurisdiction (行政区划).

    Bureaus of a government carry projects; the province, city, county and
    township nodes are jurisdictions (``JURISDICTION_KINDS``) and form a tree
    (province → city → county → township) through ``jurisdiction``: every unit
    belongs to the jurisdiction whose government it works for (a bureau to its
    city; a county to the city above it, which assesses it; the root to none).
    A jurisdiction may run its own programme (``projects.PlanYear``), and names
    are unique within a jurisdiction only: every city has a 质监局.
    """

    class Kind(models.TextChoices):
        BUREAU = "bureau", _("市直部门")
        OFFICE = "office", _("市政府办公室")
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县市区")
        TOWNSHIP = "township", _("乡镇(街道)")
        OTHER = "other", _("其他单位")

    name = models.CharField(_("简称"), max_length=60)
    full_name = models.CharField(_("全称"), max_length=120, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.BUREAU)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    jurisdiction = models.ForeignKey(
        "self",
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        default=home_jurisdiction_id,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind__in": JURISDICTION_KINDS},
        help_text=_("单位为其工作的政府所在的辖区；辖区本身填上级辖区。"),
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    is_sample = models.BooleanField(
        _("演示样例"), default=False, help_text=_("演示数据中的示例辖区或单位，非真实数据。")
    )
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["order", "name"]
        constraints = [
            # A unit cannot be its own parent (deeper cycles are refused in clean()).
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
            models.CheckConstraint(
                condition=~Q(jurisdiction=models.F("id")), name="unit_not_own_jurisdiction"
            ),
            # Names are unique within a jurisdiction (every city has a 质监局).
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="unit_name_unique_per_jurisdiction"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(jurisdiction__isnull=True),
                name="unit_name_unique_at_root",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        node, seen = self.parent, set()
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("上级单位不能是本单位或其下级。")})
            if node.pk in seen:
                break
            seen.add(node.pk)
            node = node.parent
        if (
            self.kind == self.Kind.TOWNSHIP
            and self.parent
            and self.parent.kind not in (self.Kind.COUNTY,)
        ):
            raise ValidationError({"parent": _("乡镇(街道)的上级应为县市区。")})

    @property
    def display_name(self) -> str:
        return self.full_name or self.name

    @property
    def is_jurisdiction(self) -> bool:
        return self.kind in JURISDICTION_KINDS


class Person(models.Model):
    """A responsible person (责任人), usually the head of a unit."""

    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="persons"
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任人")
        verbose_name_plural = _("责任人")
        ordering = ["unit__order", "unit__name", "name"]
        constraints = [
            # The importer matches persons by (name, unit); two of them would be ambiguous.
            models.UniqueConstraint(fields=["unit", "name"], name="person_unique_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit.name}）"


class ViceMayorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ViceMayor(models.Model):
    """A supervising vice-mayor (分管市长) and the portfolio they oversee."""

    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("职务"), max_length=60, default="副市长")
    jurisdiction = models.ForeignKey(
        Unit,
        verbose_name=_("所属辖区"),
        on_delete=models.PROTECT,
        related_name="vice_mayors",
        default=home_jurisdiction_id,
        limit_choices_to={"kind__in": JURISDICTION_KINDS},
    )
    portfolio = models.CharField(_("分管领域"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vice_mayor",
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("在任"), default=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()
    objects = ViceMayorQuerySet.as_manager()

    class Meta:
        verbose_name = _("分管市长")
        verbose_name_plural = _("分管市长")
        ordering = ["order", "name"]
        constraints = [
            # Matched by name in the importer, within the jurisdiction's programme.
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="vicemayor_name_unique_per_jurisdiction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class Membership(models.Model):
    """Links a user account to the one unit it works for.

    This link, together with the user's role group (see ``responsibility.roles``),
    decides what the user may read and change.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="memberships"
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("账号所属单位")
        verbose_name_plural = _("账号所属单位")

    def __str__(self) -> str:
        return f"{self.user.get_username()} → {self.unit.name}"
