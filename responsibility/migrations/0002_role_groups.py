"""Create the role groups that decide what a user may do (responsibility.roles)."""

from django.db import migrations

ROLES = ["单位填报员", "单位负责人", "市府办审核员", "分管市长", "系统管理员"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("responsibility", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
