from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from responsibility.models import Membership, Person, Unit, ViceMayor

admin.site.site_header = _("质量兴市项目化推进 · 管理后台")
admin.site.site_title = _("质量兴市项目化推进")
admin.site.index_title = _("数据管理")


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
    list_display = ["name", "full_name", "kind", "parent", "order", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["order"]
    search_fields = ["name", "full_name"]
    list_select_related = ["parent"]
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
    list_display = ["name", "title", "portfolio", "user", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "portfolio"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "unit", "phone"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
