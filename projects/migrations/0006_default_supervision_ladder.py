"""The default 督办 ladder: 催办 (blue) → 督办 (yellow) → 通报 (red). The mayor's
office renames, recolours or extends it in the admin; a database that already
has levels keeps them."""

from django.db import migrations

LADDER = [
    # name, rank, tone, days to acknowledge, days to answer, escalate when late
    ("催办", 1, "blue", 1, 5, True),
    ("督办", 2, "yellow", 1, 3, True),
    ("通报", 3, "red", 1, 3, False),
]


def add_ladder(apps, schema_editor):
    Level = apps.get_model("projects", "SupervisionLevel")
    if Level.objects.exists():
        return
    for name, rank, tone, ack_days, answer_days, auto_escalate in LADDER:
        Level.objects.create(
            name=name,
            rank=rank,
            tone=tone,
            ack_days=ack_days,
            answer_days=answer_days,
            auto_escalate=auto_escalate,
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0005_supervision_and_extensions")]

    operations = [migrations.RunPython(add_ladder, migrations.RunPython.noop)]
