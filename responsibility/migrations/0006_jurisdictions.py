"""Jurisdictions (issue 17): units of kind province/city/county/township are
jurisdictions; every unit and vice-mayor belongs to one. Existing rows move into
the deployment's home jurisdiction (settings.ZHUCHENG_HOME_JURISDICTION, 诸城市),
created here when there is anything to move; nothing else changes."""

import django.db.models.deletion
import responsibility.models
from django.conf import settings
from django.db import migrations, models


JURISDICTION_KINDS = ("province", "city", "county", "township")


def home(apps):
    """The home jurisdiction as it stands in this migration's models, created if missing."""
    Unit = apps.get_model("responsibility", "Unit")
    name = getattr(settings, "ZHUCHENG_HOME_JURISDICTION", "诸城市")
    found = Unit.objects.filter(name=name, kind__in=JURISDICTION_KINDS).order_by("pk").first()
    return found or Unit.objects.create(
        name=name, full_name=f"{name}人民政府", kind="city", jurisdiction=None
    )


def move_into_home(apps, schema_editor):
    Unit = apps.get_model("responsibility", "Unit")
    ViceMayor = apps.get_model("responsibility", "ViceMayor")
    if not Unit.objects.exists() and not ViceMayor.objects.exists():
        return
    root = home(apps)
    Unit.objects.exclude(pk=root.pk).filter(jurisdiction__isnull=True).update(jurisdiction=root)
    ViceMayor.objects.filter(jurisdiction__isnull=True).update(jurisdiction=root)
    # Check the moved foreign keys now: PostgreSQL refuses to ALTER a table with
    # deferred trigger events pending in the same transaction.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("responsibility", "0005_assessment_moves_to_its_own_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalunit",
            name="is_sample",
            field=models.BooleanField(
                default=False,
                help_text="演示数据中的示例辖区或单位，非真实数据。",
                verbose_name="演示样例",
            ),
        ),
        migrations.AddField(
            model_name="historicalunit",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="单位为其工作的政府所在的辖区；辖区本身填上级辖区。",
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AddField(
            model_name="historicalvicemayor",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="is_sample",
            field=models.BooleanField(
                default=False,
                help_text="演示数据中的示例辖区或单位，非真实数据。",
                verbose_name="演示样例",
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                help_text="单位为其工作的政府所在的辖区；辖区本身填上级辖区。",
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AddField(
            model_name="vicemayor",
            name="jurisdiction",
            field=models.ForeignKey(
                null=True,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="vice_mayors",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AlterField(
            model_name="historicalunit",
            name="kind",
            field=models.CharField(
                choices=[
                    ("bureau", "市直部门"),
                    ("office", "市政府办公室"),
                    ("province", "省"),
                    ("city", "市"),
                    ("county", "县市区"),
                    ("township", "乡镇(街道)"),
                    ("other", "其他单位"),
                ],
                default="bureau",
                max_length=16,
                verbose_name="类型",
            ),
        ),
        migrations.AlterField(
            model_name="historicalunit",
            name="name",
            field=models.CharField(max_length=60, verbose_name="简称"),
        ),
        migrations.AlterField(
            model_name="historicalvicemayor",
            name="name",
            field=models.CharField(max_length=40, verbose_name="姓名"),
        ),
        migrations.AlterField(
            model_name="unit",
            name="kind",
            field=models.CharField(
                choices=[
                    ("bureau", "市直部门"),
                    ("office", "市政府办公室"),
                    ("province", "省"),
                    ("city", "市"),
                    ("county", "县市区"),
                    ("township", "乡镇(街道)"),
                    ("other", "其他单位"),
                ],
                default="bureau",
                max_length=16,
                verbose_name="类型",
            ),
        ),
        migrations.AlterField(
            model_name="unit",
            name="name",
            field=models.CharField(max_length=60, verbose_name="简称"),
        ),
        migrations.AlterField(
            model_name="vicemayor",
            name="name",
            field=models.CharField(max_length=40, verbose_name="姓名"),
        ),
        migrations.RunPython(move_into_home, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalunit",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                default=responsibility.models.home_jurisdiction_id,
                help_text="单位为其工作的政府所在的辖区；辖区本身填上级辖区。",
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AlterField(
            model_name="historicalvicemayor",
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
                verbose_name="所属辖区",
            ),
        ),
        migrations.AlterField(
            model_name="unit",
            name="jurisdiction",
            field=models.ForeignKey(
                blank=True,
                default=responsibility.models.home_jurisdiction_id,
                help_text="单位为其工作的政府所在的辖区；辖区本身填上级辖区。",
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        # NOT NULL first, without a default (a callable default here would be called
        # by the schema editor, creating the home jurisdiction in an empty database).
        migrations.AlterField(
            model_name="vicemayor",
            name="jurisdiction",
            field=models.ForeignKey(
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="vice_mayors",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AlterField(
            model_name="vicemayor",
            name="jurisdiction",
            field=models.ForeignKey(
                default=responsibility.models.home_jurisdiction_id,
                limit_choices_to={"kind__in": ("province", "city", "county", "township")},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="vice_mayors",
                to="responsibility.unit",
                verbose_name="所属辖区",
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.CheckConstraint(
                condition=models.Q(("jurisdiction", models.F("id")), _negated=True),
                name="unit_not_own_jurisdiction",
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(
                fields=("jurisdiction", "name"), name="unit_name_unique_per_jurisdiction"
            ),
        ),
        migrations.AddConstraint(
            model_name="unit",
            constraint=models.UniqueConstraint(
                condition=models.Q(("jurisdiction__isnull", True)),
                fields=("name",),
                name="unit_name_unique_at_root",
            ),
        ),
        migrations.AddConstraint(
            model_name="vicemayor",
            constraint=models.UniqueConstraint(
                fields=("jurisdiction", "name"), name="vicemayor_name_unique_per_jurisdiction"
            ),
        ),
    ]
