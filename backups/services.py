"""Backups of the whole product (database and media files) and their restore.

One archive (``qingshou-backup-<UTC time>.tar.gz`` in ``BACKUP_DIR``) holds:

- ``database.sqlite3`` (SQLite, copied with the online backup API while the product runs) or
  ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom``);
- ``media/…``: every file under ``MEDIA_ROOT`` (uploaded ledgers, report PDFs and workbooks,
  contract attachments);
- ``manifest.json``: when, which database, the row count of every table and the sum of every
  money column of what was saved (``backups/census.py``), and the SHA-256 of every member.

The census is taken of exactly what is saved: on SQLite of the copy itself, on PostgreSQL in
the snapshot that ``pg_dump`` then dumps (``--snapshot``), so writes made meanwhile cannot make
the manifest disagree with its archive. A restore goes only into an empty database and an
empty media folder, then takes the census of what it restored and reports every difference.
"""

import copy
import errno
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.utils import load_backend
from django.utils import timezone

from .census import census_differences, database_census

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "qingshou-backup"
MANIFEST_VERSION = 1
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA = "media"
ARCHIVE_NAME = re.compile(r"^qingshou-backup-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar\.gz$")
POSTGRES_CLIENT_HINT = (
    "请安装 PostgreSQL 客户端工具（Debian/Ubuntu：apt-get install postgresql-client），"
    "版本不低于数据库服务器"
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in Chinese."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    removed: list[Path] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict
    differences: list[str]


# ---- backup ------------------------------------------------------------------------------


def backup_create(*, backup_dir: Path | None = None, keep: int | None = None) -> BackupResult:
    """Back up the database and ``MEDIA_ROOT`` into one new archive in ``backup_dir``
    (``BACKUP_DIR``), then keep only the newest ``keep`` (``BACKUP_KEEP``) archives there."""
    backup_dir = Path(backup_dir or settings.BACKUP_DIR)
    keep = keep or settings.BACKUP_KEEP
    connection = connections["default"]
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库，只支持 SQLite 和 PostgreSQL。")
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, backup_dir, "无法创建备份文件夹") from exc
    media_root = Path(settings.MEDIA_ROOT)
    media = _media_files(media_root)
    created = timezone.now()
    path = _archive_path(backup_dir, created)
    partial = path.with_name(path.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(dir=backup_dir, prefix=".staging-") as staging:
            dump = Path(staging) / DATABASE_MEMBERS[connection.vendor]
            if connection.vendor == "sqlite":
                census = _sqlite_dump(connection, dump)
            else:
                census = _postgresql_dump(connection, dump)
            manifest = {
                "format": MANIFEST_FORMAT,
                "version": MANIFEST_VERSION,
                "created_at": timezone.localtime(created).isoformat(),
                "vendor": connection.vendor,
                "database": DATABASE_MEMBERS[connection.vendor],
                **census,
            }
            _archive_write(partial, dump, media_root, media, manifest)
            os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _os_error(exc, backup_dir, "备份失败") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(path=path, manifest=manifest, removed=backups_rotate(backup_dir=backup_dir, keep=keep))


def backups_rotate(*, backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``backup_dir`` (only files named as
    :func:`backup_create` names them); returns the ones deleted."""
    archives = sorted((p for p in Path(backup_dir).iterdir() if ARCHIVE_NAME.match(p.name)), key=_archive_order)
    removed = archives[: max(len(archives) - max(keep, 1), 0)]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def backups_list(*, backup_dir: Path | None = None) -> list[Path]:
    """The archives in ``backup_dir`` (``BACKUP_DIR``), oldest first."""
    backup_dir = Path(backup_dir or settings.BACKUP_DIR)
    if not backup_dir.is_dir():
        return []
    return sorted((p for p in backup_dir.iterdir() if ARCHIVE_NAME.match(p.name)), key=_archive_order)


def _archive_order(path: Path) -> tuple[str, int]:
    match = ARCHIVE_NAME.match(path.name)
    return match[1], int(match[2] or 0)


def _archive_path(backup_dir: Path, created: datetime) -> Path:
    """A new archive's name: its UTC time (the same whatever the township's time zone),
    numbered when another was made in the same second."""
    stamp = created.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = backup_dir / f"qingshou-backup-{stamp}.tar.gz"
    number = 1
    while path.exists() or path.with_name(path.name + ".partial").exists():
        number += 1
        path = backup_dir / f"qingshou-backup-{stamp}-{number}.tar.gz"
    return path


def _media_files(media_root: Path) -> list[str]:
    """Every regular file under ``media_root``, as POSIX paths relative to it, sorted."""
    if not media_root.is_dir():
        return []
    found = []
    for folder, _dirs, files in os.walk(media_root):
        for name in files:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(media_root).as_posix())
    return sorted(found)


def _sqlite_dump(connection, dump: Path) -> dict:
    """The product's SQLite database copied into ``dump`` with SQLite's online backup API
    (consistent while the product writes); the census of the copy."""
    if connection.in_atomic_block:
        # The backup API waits for the copy to be consistent, which a transaction held open
        # by the same connection would never let it be.
        raise BackupError("不能在数据库事务中备份 SQLite 数据库：请在事务之外运行 manage.py backup。")
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite 数据库备份失败：{exc}") from exc
    finally:
        target.close()
    copy_connection = database_wrapper({"NAME": str(dump)})
    try:
        return database_census(copy_connection)
    finally:
        copy_connection.close()


def _postgresql_dump(connection, dump: Path) -> dict:
    """``pg_dump --format=custom`` of the product's PostgreSQL database into ``dump``, and the
    census, both of one snapshot (exported by a read-only transaction held open meanwhile)."""
    pg_dump = shutil.which("pg_dump")
    if not pg_dump:
        raise BackupError(f"找不到 pg_dump 命令，无法备份 PostgreSQL 数据库：{POSTGRES_CLIENT_HINT}。")
    source = database_wrapper({})
    try:
        with source.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            census = database_census(source)
            _run(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dump}"],
                settings_dict=source.settings_dict, what="pg_dump",
            )
            cursor.execute("COMMIT")
    except DatabaseError as exc:
        raise BackupError(f"读取 PostgreSQL 数据库失败：{exc}") from exc
    finally:
        source.close()
    return census


def _archive_write(path: Path, dump: Path, media_root: Path, media: list[str], manifest: dict) -> None:
    """The tar.gz at ``path``: the database dump, the media files, and last the manifest
    with the SHA-256 of each member (computed while each is written)."""
    hashes = {}
    with tarfile.open(path, "w:gz") as tar:
        hashes[dump.name] = _member_add(tar, dump, dump.name)
        for relative in media:
            try:
                hashes[f"{MEDIA}/{relative}"] = _member_add(tar, media_root / relative, f"{MEDIA}/{relative}")
            except FileNotFoundError:
                continue  # deleted since it was listed (a discarded import's files): not backed up
        manifest["files"] = hashes
        manifest["media_files"] = len(hashes) - 1
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o644
        tar.addfile(info, io.BytesIO(data))


class _HashingReader:
    def __init__(self, file):
        self.file, self.sha256 = file, hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.sha256.update(data)
        return data


def _member_add(tar: tarfile.TarFile, path: Path, name: str) -> str:
    info = tar.gettarinfo(path, arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as file:
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return reader.sha256.hexdigest()


def _file_sha256(path: Path) -> str:
    sha256 = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha256.update(block)
    return sha256.hexdigest()


# ---- restore -----------------------------------------------------------------------------


def backup_restore(*, archive: Path, target: dict | None = None, media_root: Path | None = None) -> RestoreResult:
    """Restore ``archive`` into the empty database ``target`` (settings of a Django database,
    merged over the product's; ``None``: the product's own database) and the empty media
    folder ``media_root`` (``MEDIA_ROOT``), then check what was restored against the manifest.

    Refuses (``BackupError``, nothing changed) when the database has any table or the folder
    any file. The differences found afterwards are returned, one message each."""
    archive = Path(archive)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。")
    target_connection = database_wrapper(target or {})
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = _manifest_read(tar, archive)
            _target_check(target_connection, manifest, media_root)
            media_root.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as staging:
                staging = Path(staging)
                tar.extractall(staging, filter="data")
                differences = _files_check(staging, manifest)
                _database_restore(target_connection, staging / manifest["database"])
                _media_restore(staging / MEDIA, media_root)
    except tarfile.TarError as exc:
        raise BackupError(f"备份文件 {archive} 已损坏或不完整：{exc}") from exc
    except OSError as exc:
        raise _os_error(exc, media_root.parent, "恢复失败") from exc
    finally:
        target_connection.close()
    restored = database_wrapper(target or {})
    try:
        differences += census_differences(manifest, database_census(restored))
    finally:
        restored.close()
    return RestoreResult(manifest=manifest, differences=differences)


def _manifest_read(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(f"{archive} 不是本系统的备份文件：里面没有 {MANIFEST}。") from None
    try:
        manifest = json.loads(tar.extractfile(member).read().decode())
    except ValueError as exc:
        raise BackupError(f"{archive} 的 {MANIFEST} 无法读取：{exc}") from exc
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("vendor") not in DATABASE_MEMBERS:
        raise BackupError(f"{archive} 不是本系统的备份文件（{MANIFEST} 的格式不对）。")
    if manifest.get("version", 0) > MANIFEST_VERSION:
        raise BackupError(f"{archive} 由更新版本的系统生成（格式版本 {manifest['version']}），请先升级本系统再恢复。")
    return manifest


def _target_check(connection, manifest: dict, media_root: Path) -> None:
    """Refuse a target that is not empty, or of the other database kind."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != manifest["vendor"]:
        raise BackupError(
            f"这是 {VENDOR_NAMES[manifest['vendor']]} 数据库的备份，不能恢复到 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)} 数据库 {name}：请把 DATABASE_URL 指向一个空的 "
            f"{VENDOR_NAMES[manifest['vendor']]} 数据库。"
        )
    try:
        tables = sorted(connection.introspection.table_names(include_views=True))
    except DatabaseError as exc:
        raise BackupError(
            f"无法连接目标数据库 {name}：{exc}。请先创建一个空数据库（PostgreSQL：createdb {name}），再恢复。"
        ) from exc
    if tables:
        raise BackupError(
            f"目标数据库 {name} 不是空的（已有 {len(tables)} 张表，例如 {tables[0]}），拒绝恢复：恢复只写入空数据库，"
            "不会覆盖现有数据。请新建一个空数据库（PostgreSQL：createdb 新库名；SQLite：一个还不存在的文件），"
            "把 DATABASE_URL 指向它后再恢复；不要在恢复前运行 migrate 或 scripts/start。"
        )
    if media_root.is_dir() and any(path.is_file() for path in media_root.rglob("*")):
        raise BackupError(
            f"媒体文件夹 {media_root} 不是空的，拒绝恢复：恢复不会覆盖现有文件。请把 MEDIA_ROOT 指向一个空文件夹，"
            "或先把其中的文件移走。"
        )


def _files_check(staging: Path, manifest: dict) -> list[str]:
    """Each member whose SHA-256 is not the manifest's, is missing, or is not listed."""
    differences = []
    listed = manifest.get("files", {})
    present = {path.relative_to(staging).as_posix() for path in staging.rglob("*") if path.is_file()} - {MANIFEST}
    for name in sorted(set(listed) | present):
        if name not in present:
            differences.append(f"文件 {name}：备份清单中有，备份文件中缺少")
        elif name not in listed:
            differences.append(f"文件 {name}：备份文件中有，备份清单中没有")
        elif _file_sha256(staging / name) != listed[name]:
            differences.append(f"文件 {name}：SHA-256 与备份清单不符（文件已损坏或被改动）")
    if manifest["database"] not in present:
        raise BackupError(f"备份文件中缺少数据库 {manifest['database']}，无法恢复。")
    return differences


def _database_restore(connection, dump: Path) -> None:
    connection.close()
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        name.parent.mkdir(parents=True, exist_ok=True)
        source, target = sqlite3.connect(dump), sqlite3.connect(name)
        try:
            source.backup(target)
        except sqlite3.Error as exc:
            raise BackupError(f"恢复 SQLite 数据库 {name} 失败：{exc}") from exc
        finally:
            source.close()
            target.close()
        return
    pg_restore = shutil.which("pg_restore")
    if not pg_restore:
        raise BackupError(f"找不到 pg_restore 命令，无法恢复 PostgreSQL 数据库：{POSTGRES_CLIENT_HINT}。")
    # --no-owner: the restored tables belong to the role that restores (DATABASE_URL's user),
    # whatever role owned them on the old machine.
    try:
        _run(
            [pg_restore, "--no-owner", "--exit-on-error", "--no-password",
             f"--dbname={connection.settings_dict['NAME']}", str(dump)],
            settings_dict=connection.settings_dict, what="pg_restore",
        )
    except BackupError as exc:
        raise BackupError(
            f"{exc}\n数据库 {connection.settings_dict['NAME']} 可能已写入一部分：请删除它（dropdb），"
            "重新创建空数据库后再恢复。"
        ) from exc


def _media_restore(source: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = media_root / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, destination)


# ---- shared ------------------------------------------------------------------------------


def database_wrapper(overrides: dict):
    """A Django connection of its own to a database: the product's settings with
    ``overrides`` (``NAME``, ``ENGINE``, …) on top. The caller closes it."""
    settings_dict = {**copy.deepcopy(connections["default"].settings_dict), **overrides}
    backend = load_backend(settings_dict["ENGINE"])
    return backend.DatabaseWrapper(settings_dict, alias="backups")


def _pg_environment(settings_dict: dict) -> dict:
    """The environment that points pg_dump / pg_restore at a database: the password in
    PGPASSWORD, never on the command line (where any user's ``ps`` would show it)."""
    environment = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return environment


def _run(command: list[str], *, settings_dict: dict, what: str) -> None:
    try:
        completed = subprocess.run(
            command, env=_pg_environment(settings_dict), capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(f"找不到 {what} 命令：{POSTGRES_CLIENT_HINT}。") from exc
    if completed.returncode == 0:
        return
    output = (completed.stderr or completed.stdout).strip()
    if "No space left on device" in output:
        raise BackupError(f"{what} 失败：磁盘空间不足，请清理磁盘或把 BACKUP_DIR 指向空间更大的磁盘。（{output}）")
    if "version mismatch" in output:
        raise BackupError(f"{what} 失败：{what} 的版本低于数据库服务器，{POSTGRES_CLIENT_HINT}。（{output}）")
    raise BackupError(f"{what} 失败（退出码 {completed.returncode}）：{output}")


def _os_error(exc: OSError, folder: Path, action: str) -> BackupError:
    """An ``OSError`` as a Chinese message: a full disk named as such."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        free = ""
        try:
            free = f"（剩余 {shutil.disk_usage(folder).free // (1024 * 1024)} MB）"
        except OSError:
            pass
        return BackupError(f"{action}：{folder} 所在磁盘空间不足{free}，请清理磁盘或把 BACKUP_DIR 指向空间更大的磁盘。")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BackupError(f"{action}：没有写入 {exc.filename or folder} 的权限（{exc.strerror}）。")
    return BackupError(f"{action}：{exc.filename or folder}：{exc.strerror or exc}")
