"""The steps of a ledger import: upload, validate (queued), confirm, run (queued); the same
file imported once; who may import; the progress and the states a batch goes through."""

import time
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook

from imports.choices import ImportStatus
from imports.models import ImportBatch
from imports.services import (
    import_batch_confirm,
    import_batch_create,
    import_batch_discard,
    import_batch_run,
    import_batch_validate,
    progress_key,
)
from recovery.models import Arrear, Debtor
from tests.factories import CampaignFactory, staff_of

pytestmark = pytest.mark.django_db


def ledger_bytes(*rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "东岭村"
    sheet.append(["姓名", "类别", "发生日期", "欠款金额"])
    for values in rows or (["王五", "借款", "2019-5-13", 1000],):
        sheet.append(values)
    stream = BytesIO()
    workbook.save(stream)
    return stream.getvalue()


LEDGER = ledger_bytes()
"""One file, the same bytes every time (openpyxl stamps each save with the time)."""


def create(user, township, campaign, data=None, name="欠款台账.xlsx", kind="arrears"):
    upload = SimpleUploadedFile(name, data or LEDGER)
    return import_batch_create(kind=kind, township=township, upload=upload, uploaded_by=user, campaign=campaign)


def ready(user, township, campaign, data=None, name="欠款台账.xlsx"):
    batch = import_batch_validate(batch_id=create(user, township, campaign, data, name).pk)
    assert batch.status == ImportStatus.READY, batch.problems
    return batch


def imported(user, township, campaign, data=None, name="欠款台账.xlsx"):
    batch = ready(user, township, campaign, data, name)
    import_batch_confirm(batch=batch, confirmed_by=user)
    return import_batch_run(batch_id=batch.pk)


# ---- the queued steps -----------------------------------------------------------------------

def test_it_runs_the_queued_tasks_when_the_transaction_commits(township, village_a, staff_user, campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = create(staff_user, township, campaign)

    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_batch_confirm(batch=batch, confirmed_by=staff_user)

    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED
    assert Arrear.objects.get(import_batch=batch).principal == Decimal("1000.00")


def test_it_queues_nothing_for_a_refused_upload(township, staff_user, campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        create(staff_user, township, campaign, data=b"plain text")

    assert callbacks == []


def test_it_queues_the_import_once_however_often_it_is_confirmed(township, village_a, staff_user, campaign, django_capture_on_commit_callbacks):
    batch = ready(staff_user, township, campaign)

    with django_capture_on_commit_callbacks() as callbacks:
        first = import_batch_confirm(batch=batch, confirmed_by=staff_user)
        again = import_batch_confirm(batch=batch, confirmed_by=staff_user)

    assert len(callbacks) == 1
    assert first.status == again.status == ImportStatus.IMPORTING
    assert (first.confirmed_by, first.confirmed_at is not None) == (staff_user, True)


def test_it_reports_progress_in_the_cache(township, village_a, staff_user, campaign):
    batch = ready(staff_user, township, campaign)

    progress = cache.get(progress_key(batch))
    assert progress["phase"] == "validate" and progress["done"] == progress["total"]

    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    import_batch_run(batch_id=batch.pk)

    progress = cache.get(progress_key(batch))
    assert {key: progress[key] for key in ("phase", "done", "total")} == {"phase": "import", "done": 1, "total": 1}
    assert time.time() - 60 < progress["at"] <= time.time()  # the step's last sign of life


def test_it_validates_a_batch_once(township, village_a, staff_user, campaign):
    batch = ready(staff_user, township, campaign)
    Debtor.objects.create(village=village_a, name="王五")
    Debtor.objects.create(village=village_a, name="王五")

    again = import_batch_validate(batch_id=batch.pk)

    assert again.status == ImportStatus.READY
    assert again.preview == batch.preview


def test_it_runs_only_a_confirmed_batch(township, village_a, staff_user, campaign):
    batch = ready(staff_user, township, campaign)

    assert import_batch_run(batch_id=batch.pk).status == ImportStatus.READY
    assert not Arrear.objects.exists()


def test_it_runs_a_batch_once(township, village_a, staff_user, campaign):
    batch = imported(staff_user, township, campaign)

    again = import_batch_run(batch_id=batch.pk)  # the task delivered twice

    assert again.status == ImportStatus.IMPORTED
    assert again.receipt == batch.receipt
    assert Arrear.objects.count() == 1


def test_it_refuses_to_confirm_a_batch_with_errors(township, village_a, staff_user, campaign):
    batch = create(staff_user, township, campaign, data=ledger_bytes(["王五", "借款", "去年", 100]))
    batch = import_batch_validate(batch_id=batch.pk)

    with pytest.raises(ValidationError) as excinfo:
        import_batch_confirm(batch=batch, confirmed_by=staff_user)

    assert excinfo.value.messages == ["该批次当前状态为“有错误”，不能导入。"]


def test_it_discards_a_batch_not_imported(township, village_a, staff_user, campaign):
    batch = ready(staff_user, township, campaign)

    batch = import_batch_discard(batch=batch, discarded_by=staff_user)

    assert batch.status == ImportStatus.DISCARDED
    with pytest.raises(ValidationError):
        import_batch_confirm(batch=batch, confirmed_by=staff_user)


def test_it_refuses_to_discard_an_imported_batch(township, village_a, staff_user, campaign):
    batch = imported(staff_user, township, campaign)

    with pytest.raises(ValidationError) as excinfo:
        import_batch_discard(batch=batch, discarded_by=staff_user)

    assert excinfo.value.messages == ["该批次当前状态为“已导入”，不能放弃。"]


def test_it_requires_a_campaign_of_the_township(township, village_a, staff_user, other_township):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, township, None)
    assert excinfo.value.message_dict == {"campaign": ["请选择清收行动。"]}

    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, township, CampaignFactory(township=other_township))
    assert excinfo.value.message_dict == {"campaign": ["所选清收行动不属于该乡镇。"]}


def test_it_refuses_an_unknown_kind(township, staff_user, campaign):
    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, township, campaign, kind="bank_statements")

    assert list(excinfo.value.message_dict) == ["kind"]


# ---- the same file once ------------------------------------------------------------------

def test_it_refuses_the_same_file_again_once_imported(township, village_a, staff_user, campaign):
    first = imported(staff_user, township, campaign)

    with pytest.raises(ValidationError) as excinfo:
        create(staff_user, township, campaign, name="改了名字.xlsx")

    [message] = excinfo.value.message_dict["file"]
    assert f"由 经管员小王 导入（第 {first.pk} 批），不能重复导入" in message
    assert ImportBatch.objects.count() == 1


def test_it_accepts_a_file_again_after_its_import_failed(township, village_a, staff_user, campaign):
    batch = ready(staff_user, township, campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    Debtor.objects.create(village=village_a, name="王五")
    Debtor.objects.create(village=village_a, name="王五")
    assert import_batch_run(batch_id=batch.pk).status == ImportStatus.FAILED

    again = create(staff_user, township, campaign)

    assert again.status == ImportStatus.UPLOADED


def test_it_accepts_the_same_file_in_another_township(township, village_a, staff_user, campaign, other_township, other_staff_user):
    imported(staff_user, township, campaign)

    batch = create(other_staff_user, other_township, CampaignFactory(township=other_township))

    assert batch.status == ImportStatus.UPLOADED


def test_it_refuses_to_confirm_the_second_of_two_uploads_of_one_file(township, village_a, staff_user, campaign):
    first = ready(staff_user, township, campaign)
    second = ready(staff_user, township, campaign, name="同一文件.xlsx")
    import_batch_confirm(batch=first, confirmed_by=staff_user)

    with pytest.raises(ValidationError) as excinfo:
        import_batch_confirm(batch=second, confirmed_by=staff_user)

    assert "不能重复导入" in excinfo.value.messages[0]
    second.refresh_from_db()
    assert (second.status, second.confirmed_by) == (ImportStatus.READY, None)

    import_batch_run(batch_id=first.pk)
    with pytest.raises(ValidationError):
        import_batch_confirm(batch=second, confirmed_by=staff_user)
    assert Arrear.objects.count() == 1


def test_it_holds_the_same_file_once_in_the_database(township, village_a, staff_user, campaign):
    first = ready(staff_user, township, campaign)
    second = ready(staff_user, township, campaign)
    ImportBatch.objects.filter(pk=first.pk).update(status=ImportStatus.IMPORTED)

    with pytest.raises(IntegrityError), transaction.atomic():
        ImportBatch.objects.filter(pk=second.pk).update(status=ImportStatus.IMPORTING)


# ---- who may import ---------------------------------------------------------------------------

@pytest.fixture(params=["cadre_user", "leader_user", "other_staff_user"])
def outsider(request):
    return request.getfixturevalue(request.param)


def test_it_refuses_an_upload_by_anyone_but_the_townships_staff(township, village_a, campaign, outsider):
    with pytest.raises(PermissionDenied):
        create(outsider, township, campaign)

    assert not ImportBatch.objects.exists()


def test_it_refuses_a_confirmation_by_anyone_but_the_townships_staff(township, village_a, staff_user, campaign, outsider):
    batch = ready(staff_user, township, campaign)

    with pytest.raises(PermissionDenied):
        import_batch_confirm(batch=batch, confirmed_by=outsider)
    with pytest.raises(PermissionDenied):
        import_batch_discard(batch=batch, discarded_by=outsider)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY


def test_it_lets_another_staff_member_of_the_township_confirm(township, village_a, staff_user, campaign):
    colleague = staff_of(township, username="colleague")
    batch = ready(staff_user, township, campaign)

    import_batch_confirm(batch=batch, confirmed_by=colleague)
    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.IMPORTED
    assert Arrear.objects.get().created_by == colleague


def test_it_lets_an_administrator_import(township, village_a, superadmin, campaign):
    batch = imported(superadmin, township, campaign)

    assert batch.status == ImportStatus.IMPORTED


def test_it_writes_nothing_when_the_confirming_user_lost_the_right_meanwhile(township, village_a, staff_user, campaign):
    batch = ready(staff_user, township, campaign)
    import_batch_confirm(batch=batch, confirmed_by=staff_user)
    staff_user.groups.clear()

    batch = import_batch_run(batch_id=batch.pk)

    assert batch.status == ImportStatus.FAILED
    assert batch.failure == "导入时出错，本次没有导入任何数据：您无权录入或修改该村的数据。"
    assert not Debtor.objects.exists()
