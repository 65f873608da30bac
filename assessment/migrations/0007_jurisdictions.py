"""Assessment schemes belong to a jurisdiction (issue 17); existing schemes move
into the home jurisdiction. One scheme per jurisdiction, year and assessed kind."""

import django.db.models.deletion
import responsibility.models
from django.conf import settings
from django.db import migrations, models


APP, MODEL = "assessment", "AssessmentScheme"


def home_id(apps):
    """The home jurisdiction (created by responsibility 0006 when there was data)."""
    Unit = apps.get_model("responsibility", "Unit")
    name = getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市")
    kinds = ("province", "city", "county", "township")
    found = Unit.objects.filter(name=name, kind__in=kinds).order_by("pk").first()
    if found is None:
        found = Unit.objects.create(
            name=name, full_name=f"{name}人民政府", kind="city", jurisdiction=None
        )
    return found.pk


def move_into_home(apps, schema_editor):
    Model = apps.get_model(APP, MODEL)
    History = apps.get_model(APP, "Historical" + MODEL)
    if not Model.objects.exists() and not History.objects.exists():
        return
    home = home_id(apps)
    Model.objects.filter(jurisdiction__isnull=True).update(jurisdiction_id=home)
    History.objects.filter(jurisdiction__isnull=True).update(jurisdiction_id=home)
    # Check the moved foreign keys now: PostgreSQL refuses to ALTER a table with
    # deferred trigger events pending in the same transaction.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0006_compute_run"),
        ("responsibility", "0006_jurisdictions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="assessmentscheme",
            name="scheme_one_per_year_kind",
        ),
        migrations.AddField(
            model_name="assessmentscheme",
            name="jurisdiction",
            field=models.ForeignKey(
                null=True,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessment_schemes",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.AddField(
            model_name="historicalassessmentscheme",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.RunPython(move_into_home, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalassessmentscheme",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                default=responsibility.models.home_jurisdiction_id,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        # NOT NULL first, without a default (a callable default here would be called
        # by the schema editor, creating the home jurisdiction in an empty database).
        migrations.AlterField(
            model_name="assessmentscheme",
            name="jurisdiction",
            field=models.ForeignKey(
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessment_schemes",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.AlterField(
            model_name="assessmentscheme",
            name="jurisdiction",
            field=models.ForeignKey(
                default=responsibility.models.home_jurisdiction_id,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessment_schemes",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.AddConstraint(
            model_name="assessmentscheme",
            constraint=models.UniqueConstraint(
                fields=("jurisdiction", "year", "unit_kind"),
                name="scheme_one_per_jurisdiction_year_kind",
            ),
        ),
    ]
