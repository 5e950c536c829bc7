"""A backup that cannot be made says why in Chinese and leaves no half-written archive."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_it_names_a_backup_folder_it_cannot_create(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.BACKUP_DIR = blocker / "backups"
    with pytest.raises(CommandError, match=f"无法创建备份文件夹：{blocker / 'backups'}"):
        call_command("backup")


@pytest.mark.postgres
def test_it_says_pg_dump_is_missing_and_how_to_install_it(settings, tmp_path, monkeypatch):
    settings.BACKUP_DIR = tmp_path / "backups"
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(CommandError, match="找不到 pg_dump 命令.*apt-get install postgresql-client"):
        call_command("backup")
    assert list(settings.BACKUP_DIR.iterdir()) == []
