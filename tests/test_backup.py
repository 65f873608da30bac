"""backup / restore round trip on the test database (SQLite or PostgreSQL, as CI runs both).

Transactional: restoring flushes the database, which PostgreSQL refuses inside the
transaction an ordinary test runs in.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from projects.models import Evidence, Milestone, ProgressReport, Project
from projects.services.backup import BackupError, backup_create, backup_restore
from responsibility import roles
from responsibility.models import Membership, Unit
from tests import factories

PDF_BYTES = b"%PDF-1.4\n% evidence \xe4\xb8\xad\xe6\x96\x87 \x00\x01\x02 binary\n%%EOF\n"


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def filled(city, media):
    report = factories.make_report(
        city.ms_zhijian,
        city.alice,
        status=Milestone.Status.DONE,
        percent=100,
        narrative="已完成名牌申报 <script>alert(1)</script>",
        done_date="2010-06-20",
    )
    evidence = Evidence.objects.create(
        report=report,
        file=ContentFile(PDF_BYTES, name="检测报告.pdf"),
        original_name="检测报告.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
    )
    city.alice.set_password("Zhucheng@2010")
    city.alice.save()
    return report, evidence


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "units": Unit.objects.count(),
        "projects": Project.objects.count(),
        "milestones": Milestone.objects.count(),
        "reports": ProgressReport.objects.count(),
        "evidence": Evidence.objects.count(),
        "history": Project.history.count(),
    }


def test_round_trip_restores_rows_users_and_evidence_bytes(city, filled, media, tmp_path):
    report, evidence = filled
    before = counts()
    manifest = backup_create(directory=tmp_path / "bk", pg_dump=False)
    assert manifest.counts["projects.project"] == 2
    assert manifest.media_files == 1

    call_command("flush", interactive=False, verbosity=0)
    evidence.file.storage.delete(evidence.file.name)
    assert counts()["projects"] == 0

    backup_restore(directory=tmp_path / "bk")

    assert counts() == before
    restored = ProgressReport.objects.get(pk=report.pk)
    assert restored.narrative == "已完成名牌申报 <script>alert(1)</script>"
    assert restored.author.username == "alice"
    assert restored.milestone.name == "申报名牌"
    alice = get_user_model().objects.get(username="alice")
    assert alice.check_password("Zhucheng@2010")
    assert roles.has_role(alice, roles.CLERK)
    assert Membership.objects.get(user=alice).unit.name == "质监局"
    file = Evidence.objects.get(pk=evidence.pk)
    assert file.original_name == "检测报告.pdf"
    with file.file.open("rb") as fh:
        assert fh.read() == PDF_BYTES


def test_restore_refuses_a_database_with_data_unless_forced(city, filled, tmp_path):
    backup_create(directory=tmp_path / "bk", pg_dump=False)
    factories.ProjectFactory(plan=city.plan, number=3, name="备份之后新增的项目")
    with pytest.raises(BackupError, match="--force"):
        backup_restore(directory=tmp_path / "bk")
    assert Project.objects.filter(number=3).exists()

    backup_restore(directory=tmp_path / "bk", force=True)
    assert not Project.objects.filter(number=3).exists()
    assert Project.objects.count() == 2


def test_a_tampered_backup_is_refused(city, filled, tmp_path):
    directory = tmp_path / "bk"
    backup_create(directory=directory, pg_dump=False)
    data = json.loads((directory / "data.json").read_text(encoding="utf-8"))
    data[0]["fields"]["name"] = "篡改"
    (directory / "data.json").write_text(json.dumps(data), encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(BackupError, match="校验值"):
        backup_restore(directory=directory)


def test_backup_refuses_a_non_empty_directory(city, tmp_path):
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "other.txt").write_text("x")
    with pytest.raises(BackupError, match="不是空目录"):
        backup_create(directory=tmp_path / "bk", pg_dump=False)


def test_commands_back_up_and_restore(city, filled, tmp_path, capsys):
    call_command("backup", "-o", str(tmp_path / "bk"), "--no-pg-dump")
    assert "已备份到" in capsys.readouterr().out
    with pytest.raises(CommandError, match="已有数据"):
        call_command("restore", str(tmp_path / "bk"))
    call_command("restore", str(tmp_path / "bk"), "--force")
    assert "已恢复" in capsys.readouterr().out
    with pytest.raises(CommandError, match=r"manifest\.json"):
        call_command("restore", str(tmp_path))


def test_postgresql_backup_also_keeps_a_native_pg_dump(city, tmp_path):
    """On PostgreSQL a pg_dump -Fc copy sits beside the JSON; SQLite has none."""
    from django.db import connection

    manifest = backup_create(directory=tmp_path / "bk")
    pgdump = tmp_path / "bk" / "database.pgdump"
    if connection.vendor == "postgresql":
        assert manifest.pg_dump == "database.pgdump"
        assert pgdump.read_bytes()[:5] == b"PGDMP"
        assert manifest.files["database.pgdump"]["bytes"] == pgdump.stat().st_size
    else:
        assert manifest.pg_dump is None and not pgdump.exists()
