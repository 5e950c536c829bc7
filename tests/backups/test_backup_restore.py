"""manage.py backup → manage.py restore into a fresh database → the same ledger.

A small ledger (tests/backups/ledger.py) is backed up; the archive is restored into a fresh
database (SQLite: another file; PostgreSQL: a database this test creates and drops) and an
empty media folder, through the ``restore`` command pointed at them (in this process: the
default connection swapped for the fresh database's, as DATABASE_URL would); every table's rows, every
money column's sum and every file must be the same. When ``verify_ledger`` exists (tamper
evidence), it runs against the restored database and must find nothing. A restore into a
database or a media folder that is not empty is refused; an archive whose figures or files were changed is
restored with every difference named and a non-zero exit.

The same tests run on SQLite (pass 1) and PostgreSQL (pass 2): the backup takes whatever
database the suite runs on.
"""

import gzip
import io
import json
import tarfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection, connections

from backups.census import database_census
from backups.services import database_wrapper
from tests.backups.ledger import small_ledger_build

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.MEDIA_ROOT


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """Settings of a new, empty database of the suite's kind; a PostgreSQL one is dropped after."""
    if connection.vendor == "sqlite":
        yield {"NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"NAME": name}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def product_database(overrides):
    """Run commands as the product would with DATABASE_URL pointing at another database."""
    original = connections["default"]
    other = database_wrapper(overrides)
    other.alias = "default"
    connections["default"] = other
    try:
        yield other
    finally:
        other.close()
        connections["default"] = original


def files_under(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def backup_made() -> Path:
    out = io.StringIO()
    call_command("backup", stdout=out)
    (line,) = out.getvalue().splitlines()
    return Path(line.split("已备份到 ", 1)[1].split("（", 1)[0])


def test_it_restores_a_backup_into_a_fresh_database_with_the_same_rows_sums_and_files(media, fresh_database, tmp_path, settings):
    small_ledger_build()
    expected_files = files_under(media)
    assert any(name.startswith("contracts/") for name in expected_files)
    assert any(name.startswith("reports/") for name in expected_files)
    expected = database_census(connection)

    archive = backup_made()
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["vendor"] == connection.vendor
    assert {k: manifest[k] for k in ("tables", "sums")} == expected
    assert manifest["tables"]["recovery_repayment"] == 3
    assert manifest["sums"]["recovery_arrear.principal"] == "19275.67"
    assert set(manifest["files"]) == {manifest["database"]} | {f"media/{name}" for name in expected_files}

    settings.MEDIA_ROOT = tmp_path / "restored-media"
    out = io.StringIO()
    with product_database(fresh_database) as restored:
        call_command("restore", str(archive), stdout=out)
        assert database_census(restored) == expected
        if "verify_ledger" in get_commands():
            call_command("verify_ledger", stdout=io.StringIO())  # exits non-zero on any break
    assert "核对通过" in out.getvalue()
    assert files_under(settings.MEDIA_ROOT) == expected_files


def test_it_refuses_a_database_or_media_folder_that_is_not_empty_and_changes_nothing(media, fresh_database, settings, tmp_path):
    small_ledger_build()
    archive = backup_made()
    before = database_census(connection)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="目标数据库 .* 不是空的.*拒绝恢复"):
        call_command("restore", str(archive))  # into the suite's own database, with the ledger in it
    assert database_census(connection) == before
    assert not settings.MEDIA_ROOT.exists()

    settings.MEDIA_ROOT = media  # a fresh database, but the media folder has the ledger's files
    with product_database(fresh_database) as target, pytest.raises(CommandError, match=f"媒体文件夹 {media} 不是空的"):
        call_command("restore", str(archive))
    assert target.introspection.table_names() == []


def tampered(archive: Path, tmp_path: Path) -> Path:
    """A copy of ``archive`` whose manifest claims one arrear more and another repayment sum,
    and whose contract scan lost a byte (its manifest hash left as it was)."""
    copy = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, gzip.open(copy, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["recovery_arrear"] += 1
                manifest["sums"]["recovery_repayment.amount"] = "1445.77"
                data = json.dumps(manifest).encode()
            elif member.name.startswith("media/contracts/"):
                data = data[:-1]
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def test_it_names_every_difference_from_the_manifest_and_exits_non_zero(media, fresh_database, tmp_path, settings):
    small_ledger_build()
    archive = tampered(backup_made(), tmp_path)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    err = io.StringIO()
    with product_database(fresh_database), pytest.raises(CommandError, match="发现 3 处"):
        call_command("restore", str(archive), stderr=err)
    report = err.getvalue()
    assert "行数 recovery_arrear：备份中为 4，恢复后为 3" in report
    assert "合计 recovery_repayment.amount：备份中为 1445.77，恢复后为 445.77" in report
    assert "文件 media/contracts/" in report and "SHA-256 与备份清单不符" in report
