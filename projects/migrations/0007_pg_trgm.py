"""pg_trgm on PostgreSQL, for the header search's near spellings and ranking
(``projects.search``). Nothing on other databases (SQLite matches with
``icontains`` only). Reversing leaves the extension: other objects may use it."""

from django.db import migrations


def create_pg_trgm(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("projects", "0006_default_supervision_ladder")]

    operations = [migrations.RunPython(create_pg_trgm, migrations.RunPython.noop)]
