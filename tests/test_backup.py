"""backup / restore round trip on the test database (SQLite or PostgreSQL, as CI runs both).

Transactional: restoring flushes the database, which PostgreSQL refuses inside the
transaction an ordinary test runs in.
"""

import datetime as dt
import hashlib
import io
import json
import os
import stat
import tarfile
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command, execute_from_command_line

from assessment.models import AssessmentScheme, ComputeRun
from documents.models import GeneratedFile
from projects.models import (
    Evidence,
    ImportRun,
    Milestone,
    ProgressReport,
    Project,
    Supervision,
    SupervisionLevel,
)
from projects.services.backup import BackupError, backup_create, backup_restore
from responsibility import roles
from responsibility.models import Membership, Unit
from tests import factories

PDF_BYTES = b"%PDF-1.4\n% evidence \xe4\xb8\xad\xe6\x96\x87 \x00\x01\x02 binary\n%%EOF\n"

# Tables a backup leaves out on purpose: migrate rebuilds them, or they are not worth
# keeping. Written out here rather than taken from the code under test.
NOT_BACKED_UP = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "admin.logentry",
}


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def common_umask():
    """The umask most servers run with (022), so that nothing is private by luck."""
    old = os.umask(0o022)
    yield
    os.umask(old)


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


def snapshot() -> dict[str, list[dict]]:
    """Every column of every backed-up table, row by row.

    Foreign keys to users, groups and permissions appear as their natural keys, and
    those rows without their ids: a backup carries them so (ids differ between
    databases), everything else with its id. Values are the database's own Python
    values (datetimes to the microsecond), not a JSON rendering of them.
    """
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in NOT_BACKED_UP:
            continue
        rows = serializers.serialize(
            "python",
            model._base_manager.order_by("pk"),
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        )
        tables[meta.label_lower] = sorted(
            rows, key=lambda row: json.dumps(row, sort_keys=True, default=repr)
        )
    return tables


def run_command(*argv: str) -> int:
    """Run a management command as `manage.py` does; its exit status."""
    try:
        execute_from_command_line(["manage.py", *argv])
    except SystemExit as exc:
        return exc.code
    return 0


def rewrite(directory, data=None, manifest=None) -> None:
    """Tamper with a backup like someone who knows the format: data.json changed by
    ``data(objects)``, its checksum recomputed, the manifest changed by ``manifest``."""
    data_path, manifest_path = directory / "data.json", directory / "manifest.json"
    payload = json.loads(manifest_path.read_text(encoding="utf-8"))
    if data is not None:
        objects = json.loads(data_path.read_text(encoding="utf-8"))
        data(objects)
        data_path.write_text(json.dumps(objects, ensure_ascii=False), encoding="utf-8")
        payload["files"]["data.json"]["sha256"] = hashlib.sha256(data_path.read_bytes()).hexdigest()
    if manifest is not None:
        manifest(payload)
    manifest_path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


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


# --- exact to the microsecond (issue 16, item 7) -----------------------------


def _fill_every_table(media) -> None:
    """The demo (both parts), plus a row in each table it leaves empty, with times
    that a millisecond cut would change."""
    for role in roles.ALL_ROLES:  # made by a migration; an earlier transactional test flushed them
        Group.objects.get_or_create(name=role)
    call_command("load_demo", stdout=io.StringIO())
    users = get_user_model().objects.order_by("pk")
    clerk, reviewer = users.get(username="zhijian"), users.get(username="dubanshi")
    report = ProgressReport.objects.filter(author=clerk).order_by("pk").first()
    indicator = report.milestone.project.indicators.order_by("pk").first()
    report.indicator_values.create(indicator=indicator, value=Decimal("12.34"))
    report.evidence.create(
        file=ContentFile(PDF_BYTES, name="检测报告.pdf"),
        original_name="检测报告.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
    )
    report.milestone.reminders.create(
        sent_to=report.milestone.unit,
        kind="manual",
        sent_by=reviewer,
        sent_on=dt.date(2010, 9, 28),
        recipients="zhijian@example.com",
        message="请于本周内报送进展。",
    )
    report.milestone.extensions.create(
        requested_by=clerk,
        old_due_date=report.milestone.due_date,
        new_due_date=report.milestone.due_date + dt.timedelta(days=15),
        reason="省局推迟受理。",
        progress="材料已备齐。",
        review_state="returned",
        head_approved_by=users.get(username="zhijian_head"),
        head_approved_at=dt.datetime(2010, 9, 28, 1, 2, 3, 456789, dt.UTC),
        return_reason="理由不充分。",
    )
    # The demo's 督办单 have no files; the ladder has no history until it is edited.
    item = Supervision.objects.order_by("pk").first()
    item.files.create(
        file=ContentFile(PDF_BYTES, name="整改报告.pdf"),
        original_name="整改报告.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=clerk,
    )
    level = SupervisionLevel.objects.order_by("rank").first()
    level.answer_days += 1
    level.save()
    report.milestone.unit.titles.create(year=2010, name="质量工作先进单位", reason="演示")
    # The task records: a compute run, an import run, a generated file.
    finished = dt.datetime(2010, 9, 28, 5, 6, 7, 890123, dt.UTC)
    ComputeRun.objects.create(
        scheme=AssessmentScheme.objects.order_by("pk").first(),
        requested_by=reviewer,
        status="done",
        units=3,
        started_at=finished,
        finished_at=finished,
    )
    ImportRun.objects.create(
        user=users.get(username="admin"),
        year=2010,
        digest="a" * 64,
        filename="附件.xlsx",
        fingerprint="b" * 64,
        choices={"sheet": "2010年"},
        status="done",
        summary="已导入 33 个项目。",
        finished_at=finished,
    )
    GeneratedFile.objects.create(
        key="c" * 64,
        family="d" * 64,
        kind="annual",
        params={"year": 2010, "portion": "city"},
        status="done",
        file=ContentFile(PDF_BYTES, name="2010年度绩效考核报告.pdf"),
        filename="2010年度绩效考核报告.pdf",
        pages=1,
        attempts=1,
        finished_at=finished,
    )
    request = {"user_agent": "Mozilla/5.0", "ip_address": "10.0.0.8", "username": "zhijian"}
    request |= {"http_accept": "text/html", "path_info": "/accounts/login/"}
    attempt = AccessAttempt.objects.create(
        **request, get_data="", post_data="username=zhijian", failures_since_start=2
    )
    AccessAttemptExpiration.objects.create(
        access_attempt=attempt, expires_at=dt.datetime(2010, 9, 28, 3, 4, 5, 678901, dt.UTC)
    )
    AccessFailureLog.objects.create(**request, locked_out=False)
    AccessLog.objects.create(
        **request, session_hash="0" * 64, logout_time=dt.datetime(2010, 9, 28, 4, 0, 0, 1, dt.UTC)
    )
    users.filter(pk=clerk.pk).update(last_login=dt.datetime(2010, 9, 28, 1, 2, 3, 456789, dt.UTC))
    # Two reports within one millisecond, the newer one with the smaller id.
    older, newer = list(ProgressReport.objects.order_by("pk")[:2])[::-1]
    at = dt.datetime(2010, 9, 28, 2, 0, 0, 123_456, dt.UTC)
    ProgressReport.objects.filter(pk=older.pk).update(created_at=at)
    ProgressReport.objects.filter(pk=newer.pk).update(
        created_at=at + dt.timedelta(microseconds=300)
    )


def test_round_trip_gives_back_every_column_of_every_table(media, tmp_path):
    _fill_every_table(media)
    before = snapshot()
    empty = sorted(label for label, rows in before.items() if not rows)
    assert not empty, f"give these tables a row above, or the round trip checks nothing: {empty}"
    times = [
        value
        for rows in before.values()
        for row in rows
        for value in row["fields"].values()
        if isinstance(value, dt.datetime)
    ]
    assert sum(value.microsecond % 1000 != 0 for value in times) > 100  # a ms cut would show

    backup_create(directory=tmp_path / "bk", pg_dump=False)
    call_command("flush", interactive=False, verbosity=0)
    backup_restore(directory=tmp_path / "bk")

    after = snapshot()
    assert sorted(after) == sorted(before)
    for label, rows in before.items():
        assert after[label] == rows, label


def test_reports_made_within_one_millisecond_keep_their_order(city, media, tmp_path):
    """The newest report (by created_at) decides what a milestone shows and whether an
    accepted report is "newer": after a restore, the same one must come first."""
    newer = factories.make_report(city.ms_zhijian, city.alice, narrative="后一次填报")
    older = factories.make_report(city.ms_zhijian, city.alice, narrative="前一次填报")
    at = dt.datetime(2010, 9, 28, 2, 0, 0, 123_456, dt.UTC)
    ProgressReport.objects.filter(pk=older.pk).update(created_at=at)
    ProgressReport.objects.filter(pk=newer.pk).update(
        created_at=at + dt.timedelta(microseconds=300)
    )
    assert [r.narrative for r in city.ms_zhijian.reports.all()] == ["后一次填报", "前一次填报"]

    backup_create(directory=tmp_path / "bk", pg_dump=False)
    call_command("flush", interactive=False, verbosity=0)
    backup_restore(directory=tmp_path / "bk")

    milestone = Milestone.objects.get(pk=city.ms_zhijian.pk)
    assert [(r.narrative, r.created_at) for r in milestone.reports.all()] == [
        ("后一次填报", at + dt.timedelta(microseconds=300)),
        ("前一次填报", at),
    ]
    latest = Milestone.objects.with_latest_report().get(pk=milestone.pk)
    assert latest.latest_report_id == newer.pk


# --- a failed restore changes nothing (issue 16, item 1) ----------------------


def _unknown_model(objects):
    objects.append({"model": "projects.nosuchmodel", "pk": 1, "fields": {}})


def _dangling_foreign_key(objects):
    report = next(o for o in objects if o["model"] == "projects.progressreport")
    report["fields"]["milestone"] = 999_999


def _impossible_date(objects):
    report = next(o for o in objects if o["model"] == "projects.progressreport")
    report["fields"]["done_date"] = "2010-02-30"


def _field_of_a_newer_schema(objects):
    project = next(o for o in objects if o["model"] == "projects.project")
    project["fields"]["budget_wan"] = "120.00"


@pytest.mark.parametrize(
    "tamper", [_unknown_model, _dangling_foreign_key, _impossible_date, _field_of_a_newer_schema]
)
def test_a_backup_that_cannot_load_leaves_the_database_as_it_was(
    city, filled, tmp_path, capsys, tamper
):
    directory = tmp_path / "bk"
    backup_create(directory=directory, pg_dump=False)
    rewrite(directory, data=tamper)
    # The database has moved on since the backup: a flush would show.
    factories.ProjectFactory(plan=city.plan, number=3, name="备份之后新增的项目")
    before, before_counts = snapshot(), counts()
    capsys.readouterr()

    assert run_command("restore", str(directory), "--force") == 1

    err = capsys.readouterr().err
    assert "备份数据无法载入，未恢复，数据库未作任何改动" in err
    assert "Traceback" not in err
    assert counts() == before_counts
    assert snapshot() == before
    assert get_user_model().objects.get(username="alice").check_password("Zhucheng@2010")


def _add_a_newer_migration(payload):
    migrations = payload.get("migrations", {})
    migrations["projects"] = [*migrations.get("projects", []), "0099_project_budget"]
    payload["migrations"] = migrations


def _drop_the_latest_migration(payload):
    payload["migrations"]["responsibility"] = payload["migrations"]["responsibility"][:-1]


@pytest.mark.parametrize(
    ("manifest", "named"),
    [
        (_add_a_newer_migration, "备份有而当前数据库没有的迁移：projects.0099_project_budget"),
        (_drop_the_latest_migration, "当前数据库有而备份没有的迁移：responsibility."),
    ],
)
def test_a_backup_of_another_schema_version_is_refused_up_front(
    city, filled, tmp_path, capsys, manifest, named
):
    """As from a newer release: a column this database lacks, and the manifest says so."""
    directory = tmp_path / "bk"
    backup_create(directory=directory, pg_dump=False)
    rewrite(directory, data=_field_of_a_newer_schema, manifest=manifest)
    before, before_counts = snapshot(), counts()
    capsys.readouterr()

    assert run_command("restore", str(directory), "--force") == 1

    err = capsys.readouterr().err
    assert "备份的数据库结构版本与当前数据库不同，未恢复，数据库未作任何改动" in err
    assert named in err
    assert "Traceback" not in err
    assert counts() == before_counts
    assert snapshot() == before


def test_the_manifest_records_the_schema_version(city, tmp_path):
    backup_create(directory=tmp_path / "bk", pg_dump=False)
    payload = json.loads((tmp_path / "bk" / "manifest.json").read_text(encoding="utf-8"))
    assert payload["format"] == 2
    assert payload["migrations"]["projects"][0] == "0001_initial"
    assert "0004_assessment_source_label" in payload["migrations"]["responsibility"]
    assert "0001_initial" in payload["migrations"]["auth"]


def test_a_format_1_backup_still_restores(city, filled, tmp_path):
    """Backups made before the manifest recorded the schema version."""
    directory = tmp_path / "bk"
    backup_create(directory=directory, pg_dump=False)

    def as_format_1(payload):
        payload["format"] = 1
        for key in ("migrations", "notice", "file_mode"):
            payload.pop(key, None)

    rewrite(directory, manifest=as_format_1)
    call_command("flush", interactive=False, verbosity=0)
    backup_restore(directory=directory)
    assert Project.objects.count() == 2


def test_an_archive_that_would_not_unpack_is_refused_before_the_database(
    city, filled, media, tmp_path
):
    directory = tmp_path / "bk"
    backup_create(directory=directory, pg_dump=False)
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    with tarfile.open(directory / "media.tar.gz", "w:gz") as tar:
        tar.add(outside, arcname="../outside.txt")

    def fix_checksum(payload):
        digest = hashlib.sha256((directory / "media.tar.gz").read_bytes()).hexdigest()
        payload["files"]["media.tar.gz"]["sha256"] = digest

    rewrite(directory, manifest=fix_checksum)
    before = snapshot()
    with pytest.raises(BackupError, match="无法解包"):
        backup_restore(directory=directory, force=True)
    assert snapshot() == before


# --- private files (issue 16, item 11) ----------------------------------------


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_backup_is_private_and_says_it_is_secret(city, filled, tmp_path, common_umask):
    directory = tmp_path / "backups" / "bk"
    call_command("backup", "-o", str(directory), stdout=io.StringIO())  # with pg_dump on PG

    files = sorted(p.name for p in directory.iterdir())
    assert {"data.json", "media.tar.gz", "manifest.json"} <= set(files)
    assert {name: oct(_mode(directory / name)) for name in files} == dict.fromkeys(files, "0o600")
    assert oct(_mode(directory)) == oct(_mode(directory.parent)) == "0o700"
    payload = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert "机密" in payload["notice"] and "密码哈希" in payload["notice"]
    assert "0600" in payload["notice"] and payload["file_mode"] == "0600"
    # The hashes are there: a restore gives back the sign-ins.
    users = [
        o for o in json.loads((directory / "data.json").read_text()) if o["model"] == "auth.user"
    ]
    assert all(u["fields"]["password"] for u in users)


def test_an_existing_empty_backup_directory_is_made_private(city, tmp_path, common_umask):
    directory = tmp_path / "bk"
    directory.mkdir(mode=0o755)
    backup_create(directory=directory, pg_dump=False)
    assert oct(_mode(directory)) == "0o700"


def test_restored_evidence_files_are_private(city, filled, media, tmp_path, common_umask):
    """Whatever modes the archive recorded: a backup from before holds 0644 files."""
    _, evidence = filled
    path = media / evidence.file.name
    path.chmod(0o644)
    path.parent.chmod(0o755)
    backup_create(directory=tmp_path / "bk", pg_dump=False)
    call_command("flush", interactive=False, verbosity=0)
    evidence.file.storage.delete(evidence.file.name)
    path.parent.rmdir()

    backup_restore(directory=tmp_path / "bk")

    assert path.read_bytes() == PDF_BYTES
    assert oct(_mode(path)) == "0o600"
    assert oct(_mode(path.parent)) == "0o700"
