"""Backups: the whole database as portable JSON plus the uploaded files, and back.

A backup is a directory:

- ``data.json``: ``dumpdata`` of every table except those Django rebuilds itself
  (content types, permissions, sessions, admin log), with natural keys for users,
  groups and permissions so that it loads into any freshly migrated database —
  SQLite or PostgreSQL alike. Times are exact to the microsecond (the ``exactjson``
  format, projects/exact_json.py), so a restore gives back the very same rows;
- ``media.tar.gz``: everything under ``MEDIA_ROOT`` (evidence files);
- ``manifest.json``: when, from which database and schema version (the applied
  migrations of every app), how many rows per model, and the SHA-256 of both files,
  checked before anything is restored;
- ``database.pgdump`` (PostgreSQL only, when ``pg_dump`` is installed): a native
  ``pg_dump -Fc`` copy for ``pg_restore``, as a second way back.

A backup is secret: it holds every user's password hash (a restore must give back
the sign-ins) and every evidence file. It is written under umask 077, so the
directory is 0700 and its files 0600, and the manifest says so.

Restoring refuses up front a backup of another schema version, and a database that
already holds data unless forced. The flush (when forced) and the load run in one
transaction: whatever fails leaves the database as it was. The files are unpacked
after the rows are in, 0600 in 0700 directories like every upload.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from collections import Counter, defaultdict
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from projects.models import Evidence, PlanYear
from responsibility.models import Unit

# 2: the manifest records the schema version (``migrations``). Format 1 backups are
# still read; their schema version is unknown, so only the atomic load protects them.
FORMAT_VERSION = 2
READABLE_FORMATS = (1, 2)
DATA_FILE = "data.json"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"
PG_DUMP_FILE = "database.pgdump"

# Rebuilt by `migrate` (content types, permissions) or not worth keeping (sessions,
# the admin's change log, whose rows point at content-type ids).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]

# Everything a backup or restore writes is for this system's user alone.
PRIVATE_UMASK = 0o077
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
NOTICE = (
    "机密：本备份含全部用户的密码哈希和全部佐证材料。目录权限 0700、文件权限 0600，"
    "只有运行本系统的用户可读；请保存在同样受限（最好加密）的位置，不要复制到共享目录或发送给他人。"
)


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, in Chinese."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str
    counts: dict[str, int]
    files: dict[str, dict]
    media_files: int
    pg_dump: str | None
    # Applied migrations per app, e.g. {"projects": ["0001_initial", ...]};
    # None for a format 1 backup, which did not record them.
    migrations: dict[str, list[str]] | None = None

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _private_umask():
    """Files and directories created inside are 0600 / 0700 (this process only:
    backup and restore run as management commands, one thread)."""
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def applied_migrations() -> dict[str, list[str]]:
    """The schema version of this database: the applied migrations of every app.

    Read through the migration loader, so that a squashed migration and the ones it
    replaces count as the same version.
    """
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = defaultdict(list)
    for app, name in sorted(loader.applied_migrations):
        if (app, name) in loader.graph.nodes:
            applied[app].append(name)
    return dict(applied)


def _schema_difference(backup: dict[str, list[str]], current: dict[str, list[str]]) -> str:
    """How the two schema versions differ, in Chinese; empty when they are the same."""
    only_backup, only_here = [], []
    for app in sorted(set(backup) | set(current)):
        theirs, ours = set(backup.get(app, [])), set(current.get(app, []))
        only_backup += [f"{app}.{name}" for name in sorted(theirs - ours)]
        only_here += [f"{app}.{name}" for name in sorted(ours - theirs)]
    parts = []
    if only_backup:
        parts.append(f"备份有而当前数据库没有的迁移：{'、'.join(only_backup)}")
    if only_here:
        parts.append(f"当前数据库有而备份没有的迁移：{'、'.join(only_here)}")
    return "；".join(parts)


def _count_objects(path: Path) -> dict[str, int]:
    with path.open(encoding="utf-8") as fh:
        return dict(sorted(Counter(obj["model"] for obj in json.load(fh)).items()))


def _dump_data(path: Path) -> None:
    """dumpdata in one consistent snapshot (REPEATABLE READ on PostgreSQL)."""
    outer = connection.in_atomic_block  # a caller's transaction: isolation is fixed
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        call_command(
            "dumpdata",
            format="exactjson",
            exclude=EXCLUDED,
            natural_foreign=True,
            natural_primary=True,
            output=str(path),
            verbosity=0,
        )


def _pack_media(path: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(path, "w:gz") as tar:
        if media_root.is_dir():
            for file in sorted(media_root.rglob("*")):
                if file.is_file() and not file.is_symlink():
                    tar.add(file, arcname=file.relative_to(media_root).as_posix())
                    count += 1
    return count


def _pg_dump(path: Path) -> bool:
    """A native pg_dump -Fc copy. Best effort: the JSON is the backup that counts."""
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        return False
    db = connection.settings_dict
    args = ["pg_dump", "-Fc", "--no-owner", "-f", str(path)]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    args.append(db["NAME"])
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        return False
    return True


def backup_create(*, directory: Path, pg_dump: bool = True) -> Manifest:
    """Write a backup into ``directory`` (created; must be empty if it exists).

    Directory 0700, files 0600: the backup holds password hashes and evidence.
    """
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"备份目录 {directory} 不是空目录，请换一个目录。")
    with _private_umask():
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(PRIVATE_DIR_MODE)  # it may have existed, empty, with looser bits
        return _write_backup(directory, pg_dump=pg_dump)


def _write_backup(directory: Path, *, pg_dump: bool) -> Manifest:
    migrations = applied_migrations()
    data_path = directory / DATA_FILE
    _dump_data(data_path)
    media_count = _pack_media(directory / MEDIA_FILE)
    has_pg_dump = pg_dump and _pg_dump(directory / PG_DUMP_FILE)

    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        database=connection.vendor,
        counts=_count_objects(data_path),
        files={
            name: {
                "sha256": sha256_of(directory / name),
                "bytes": (directory / name).stat().st_size,
            }
            for name in (DATA_FILE, MEDIA_FILE) + ((PG_DUMP_FILE,) if has_pg_dump else ())
        },
        media_files=media_count,
        pg_dump=PG_DUMP_FILE if has_pg_dump else None,
        migrations=migrations,
    )
    payload = {
        "format": FORMAT_VERSION,
        "notice": NOTICE,
        "file_mode": f"{PRIVATE_FILE_MODE:04o}",
        "django": django.get_version(),
        **dataclasses.asdict(manifest),
    }
    (directory / MANIFEST_FILE).write_text(
        json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return manifest


def read_manifest(directory: Path) -> Manifest:
    """The backup's manifest, after checking both files against their checksums."""
    directory = Path(directory)
    try:
        payload = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"{directory} 中没有 {MANIFEST_FILE}，不是本系统的备份目录。") from exc
    except ValueError as exc:
        raise BackupError(f"{MANIFEST_FILE} 已损坏，无法读取。") from exc
    if payload.get("format") not in READABLE_FORMATS:
        raise BackupError(f"不支持的备份格式版本：{payload.get('format')!r}。")
    try:
        manifest = Manifest(
            **{
                f.name: payload[f.name] if f.default is dataclasses.MISSING else payload.get(f.name)
                for f in dataclasses.fields(Manifest)
            }
        )
    except KeyError as exc:
        raise BackupError(f"{MANIFEST_FILE} 缺少 {exc.args[0]}，无法读取。") from exc
    for name in (DATA_FILE, MEDIA_FILE):
        path = directory / name
        if not path.is_file():
            raise BackupError(f"备份缺少文件 {name}。")
        if sha256_of(path) != manifest.files[name]["sha256"]:
            raise BackupError(f"文件 {name} 的校验值与清单不符，备份可能已损坏。")
    return manifest


def database_has_data() -> bool:
    """True when the database holds anything a backup would overwrite.

    A freshly migrated database is empty in this sense, although migrations have
    created the role groups, permissions and content types.
    """
    return get_user_model().objects.exists() or Unit.objects.exists() or PlanYear.objects.exists()


def backup_restore(*, directory: Path, force: bool = False) -> Manifest:
    """Load a backup into this (migrated) database and MEDIA_ROOT.

    Refuses a backup of another schema version, and a database that already holds
    data unless ``force``: then it is flushed first, in the transaction that loads
    the rows, so that a load that fails leaves the database as it was. Files are
    unpacked after the rows are in.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest.migrations is not None:
        difference = _schema_difference(manifest.migrations, applied_migrations())
        if difference:
            raise BackupError(
                "备份的数据库结构版本与当前数据库不同，未恢复，数据库未作任何改动。"
                f"{difference}。请用与备份相同版本的系统恢复，再升级（migrate）。"
            )
    _check_media(directory / MEDIA_FILE)
    flush = database_has_data()
    if flush and not force:
        raise BackupError("数据库中已有数据。恢复会覆盖全部数据，确认请加 --force。")

    try:
        with transaction.atomic():
            if flush:
                call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(directory / DATA_FILE), verbosity=0)
    except Exception as exc:  # whatever it is, the transaction rolled back: say so
        raise BackupError(f"备份数据无法载入，未恢复，数据库未作任何改动。原因：{exc}") from exc
    with _private_umask():
        _unpack_media(directory / MEDIA_FILE)

    missing = [
        e.file.name for e in Evidence.objects.only("file") if not e.file.storage.exists(e.file.name)
    ]
    if missing:
        raise BackupError(f"数据已恢复，但有 {len(missing)} 个佐证材料文件缺失，如：{missing[0]}。")
    return manifest


def _private_member(member: tarfile.TarInfo, dest_path: str) -> tarfile.TarInfo:
    """tarfile's "data" filter (no absolute paths, "..", links or device files),
    then the modes of every upload, whatever the archive recorded (older backups
    hold 0644 files)."""
    member = tarfile.data_filter(member, dest_path)
    return member.replace(mode=PRIVATE_DIR_MODE if member.isdir() else PRIVATE_FILE_MODE)


def _check_media(path: Path) -> None:
    """Refuse, before the database is touched, an archive that would not unpack."""
    media_root = str(Path(settings.MEDIA_ROOT).resolve())
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                _private_member(member, media_root)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(
            f"{MEDIA_FILE} 无法解包，未恢复，数据库未作任何改动。原因：{exc}"
        ) from exc


def _unpack_media(path: Path) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:gz") as tar:
        tar.extractall(media_root, filter=_private_member)
