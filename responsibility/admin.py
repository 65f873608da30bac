from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from responsibility.models import JURISDICTION_KINDS, Membership, Person, Unit, ViceMayor

admin.site.site_header = _("质量兴市项目化推进 · 管理后台")
admin.site.site_title = _("质量兴市项目化推进")
admin.site.index_title = _("数据管理")


class JurisdictionListFilter(admin.RelatedFieldListFilter):
    """Filter by jurisdiction (issue 17): lists jurisdictions only, not every
    unit the foreign key could point at."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            limit_choices_to={"kind__in": JURISDICTION_KINDS},
            ordering=ordering or ("order", "name"),
        )


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["name", "title", "phone"]


class ChildUnitInline(admin.TabularInline):
    model = Unit
    fk_name = "parent"
    extra = 0
    fields = ["name", "full_name", "kind", "order", "is_active"]
    verbose_name = _("下级单位")
    verbose_name_plural = _("下级单位")


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "full_name", "kind", "jurisdiction", "parent", "order", "is_active"]
    list_filter = [("jurisdiction", JurisdictionListFilter), "kind", "is_active"]
    list_editable = ["order"]
    search_fields = ["name", "full_name"]
    list_select_related = ["parent", "jurisdiction"]
    autocomplete_fields = ["parent"]
    inlines = [PersonInline, ChildUnitInline]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "title", "unit", "phone"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["name", "title", "unit__name", "phone"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(ViceMayor)
class ViceMayorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "title", "jurisdiction", "portfolio", "user", "is_active"]
    list_filter = [("jurisdiction", JurisdictionListFilter), "is_active"]
    search_fields = ["name", "portfolio"]
    list_select_related = ["user", "jurisdiction"]
    raw_id_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "unit", "phone"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
