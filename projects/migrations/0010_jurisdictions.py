"""Plans belong to a jurisdiction (issue 17); existing plans move into the home
jurisdiction (settings.ZHUCHENG_HOME_JURISDICTION, 诸城市). A year is unique per
jurisdiction, no longer across the deployment."""

import django.core.validators
import django.db.models.deletion
import responsibility.models
from django.conf import settings
from django.db import migrations, models


APP, MODEL = "projects", "PlanYear"


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
        ("projects", "0009_import_run"),
        ("responsibility", "0006_jurisdictions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="planyear",
            options={
                "ordering": ["-year", "jurisdiction__order", "jurisdiction__name"],
                "verbose_name": "年度责任制文件",
                "verbose_name_plural": "年度责任制文件",
            },
        ),
        migrations.AddField(
            model_name="historicalplanyear",
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
        migrations.AddField(
            model_name="planyear",
            name="jurisdiction",
            field=models.ForeignKey(
                null=True,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.AlterField(
            model_name="historicalplanyear",
            name="year",
            field=models.PositiveSmallIntegerField(
                validators=[
                    django.core.validators.MinValueValidator(2000),
                    django.core.validators.MaxValueValidator(2100),
                ],
                verbose_name="年度",
            ),
        ),
        migrations.AlterField(
            model_name="planyear",
            name="year",
            field=models.PositiveSmallIntegerField(
                validators=[
                    django.core.validators.MinValueValidator(2000),
                    django.core.validators.MaxValueValidator(2100),
                ],
                verbose_name="年度",
            ),
        ),
        migrations.RunPython(move_into_home, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalplanyear",
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
            model_name="planyear",
            name="jurisdiction",
            field=models.ForeignKey(
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.AlterField(
            model_name="planyear",
            name="jurisdiction",
            field=models.ForeignKey(
                default=responsibility.models.home_jurisdiction_id,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="plans",
                to="responsibility.unit",
                verbose_name="辖区",
            ),
        ),
        migrations.AddConstraint(
            model_name="planyear",
            constraint=models.UniqueConstraint(
                fields=("jurisdiction", "year"), name="planyear_one_per_jurisdiction_year"
            ),
        ),
    ]
