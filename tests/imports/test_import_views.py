"""The import pages: templates to download, the upload form, the batch page in each state,
confirm and discard, the list with its export, and its query budget."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from imports.choices import ImportStatus
from imports.ledgers import kind_choices, ledger_kind
from imports.models import ImportBatch
from imports.services import import_batch_create, import_batch_validate
from recovery.models import Arrear, Debtor

pytestmark = pytest.mark.django_db


def workbook_bytes(rows, title="Sheet"):
    workbook = Workbook()
    workbook.active.title = title
    for row in rows:
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_ledger(village, rows=3):
    return workbook_bytes(
        [["姓名", "类别", "发生日期", "欠款金额"]] + [[f"页面户{i}", "借款", "2019-5-13", 100 + i] for i in range(rows)],
        title=village.name,
    )


def upload(client, campaign, data, name="台账.xlsx", kind="arrears"):
    return client.post(reverse("imports:batch_add"), {
        "kind": kind, "township": campaign.township_id, "campaign": campaign.pk,
        "file": SimpleUploadedFile(name, data),
    })


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("kind", [key for key, _ in kind_choices()])
def test_it_serves_each_template_with_its_headers_and_example_row(staff_client, kind):
    response = staff_client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    spec = ledger_kind(kind)
    headers = [cell.value for cell in sheet[3]]
    assert [header.lstrip("*") for header in headers] == [column.header for column in spec.columns]
    assert all(header.startswith("*") for header in headers if header.lstrip("*") in spec.required)
    assert [cell.value for cell in sheet[4]][1] == spec.columns[1].example
    assert "模板" in sheet["A1"].value


def test_it_answers_404_for_a_template_that_does_not_exist(staff_client):
    assert staff_client.get(reverse("imports:template", args=["nothing"])).status_code == 404


def test_it_lists_the_templates_and_links_the_upload_page(staff_client):
    page = staff_client.get(reverse("imports:batch_list")).content.decode()
    for kind in [key for key, _ in kind_choices()]:
        assert reverse("imports:template", args=[kind]) in page
    assert reverse("imports:batch_add") in page and "上传台账" in page


def test_it_refuses_a_file_that_is_not_xlsx_on_the_form_and_keeps_nothing(staff_client, campaign):
    response = upload(staff_client, campaign, b"name,amount\n", name="台账.csv")
    assert response.status_code == 200
    assert "只能导入 .xlsx 格式" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_it_requires_a_campaign_for_arrears(staff_client, campaign, village_a):
    response = staff_client.post(reverse("imports:batch_add"), {
        "kind": "arrears", "township": campaign.township_id, "file": SimpleUploadedFile("a.xlsx", good_ledger(village_a)),
    })
    assert "请选择清收行动" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_it_shows_each_problem_with_sheet_row_and_column_letter(staff_client, campaign, village_a, django_capture_on_commit_callbacks):
    data = workbook_bytes([["台账"], ["姓名", "类别", "发生日期", "欠款金额"], ["李四", "借款", "2019-2-30", 100]], title=village_a.name)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, campaign, data)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    page = staff_client.get(batch.get_absolute_url()).content.decode()
    assert "有错误" in page and "下载标注了错误的文件" in page
    assert f"<td>{village_a.name}</td><td class=\"num\">3</td><td>C 发生日期</td>" in page
    errors = staff_client.get(reverse("imports:batch_errors", args=[batch.pk]))
    assert errors.status_code == 200
    assert load_workbook(BytesIO(b"".join(errors.streaming_content)))[village_a.name]["C3"].comment is not None


def test_it_previews_then_imports_on_confirm_and_links_the_receipt_to_the_lists(
    staff_client, campaign, village_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, campaign, good_ledger(village_a))
    batch = ImportBatch.objects.get()
    page = staff_client.get(batch.get_absolute_url()).content.decode()
    assert "待确认导入" in page and "确认导入" in page and "3 笔" in page
    assert not Debtor.objects.filter(name__startswith="页面户").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("imports:batch_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTED and batch.confirmed_by.username == "staff"
    page = staff_client.get(batch.get_absolute_url()).content.decode()
    link = f"{reverse('recovery:debtor_list')}?import_batch={batch.pk}"
    assert "已导入" in page and link in page
    listing = staff_client.get(link).content.decode()
    assert f"只显示第 {batch.pk} 批导入的记录" in listing and "共 3 条" in listing
    assert Arrear.objects.filter(import_batch=batch).count() == 3


def test_it_discards_a_batch_and_writes_nothing(staff_client, campaign, village_a, staff_user):
    batch = import_batch_create(
        kind="arrears", township=campaign.township, campaign=campaign, uploaded_by=staff_user,
        upload=SimpleUploadedFile("a.xlsx", good_ledger(village_a)),
    )
    import_batch_validate(batch_id=batch.pk)
    response = staff_client.post(reverse("imports:batch_discard", args=[batch.pk]), follow=True)
    assert "已放弃本批导入" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    confirm = staff_client.post(reverse("imports:batch_confirm", args=[batch.pk]), follow=True)
    assert "不能导入" in confirm.content.decode()
    assert not Debtor.objects.filter(name__startswith="页面户").exists()


def test_it_shows_progress_and_refreshes_while_waiting_then_says_when_the_worker_seems_down(
    staff_client, campaign, village_a, staff_user
):
    batch = import_batch_create(
        kind="arrears", township=campaign.township, campaign=campaign, uploaded_by=staff_user,
        upload=SimpleUploadedFile("a.xlsx", good_ledger(village_a)),
    )  # queued on commit, which never comes in this test: the worker "is down"
    page = staff_client.get(batch.get_absolute_url()).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "<progress" in page
    assert "可以关闭本页" in page and "Celery worker" not in page
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        page = staff_client.get(batch.get_absolute_url()).content.decode()
    assert "Celery worker" in page


def test_it_exports_the_filtered_list_of_imports(staff_client, campaign, village_a, staff_user):
    for name in ("一村.xlsx", "二村.xlsx"):
        import_batch_create(
            kind="arrears", township=campaign.township, campaign=campaign, uploaded_by=staff_user,
            upload=SimpleUploadedFile(name, good_ledger(village_a, rows=1 + len(name))),
        )
    response = staff_client.get(reverse("imports:batch_list"), {"q": "一村", "_export": "xlsx"})
    sheet = load_workbook(BytesIO(response.content)).active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["一村.xlsx"]


def test_it_keeps_the_list_query_count_flat(staff_client, campaign, village_a, staff_user):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("imports:batch_list")).status_code == 200
        return len(queries)

    def add(n):
        for i in range(n):
            import_batch_create(
                kind="arrears", township=campaign.township, campaign=campaign, uploaded_by=staff_user,
                upload=SimpleUploadedFile(f"{i}.xlsx", good_ledger(village_a, rows=i + 1)),
            )

    add(1)
    few = count()
    add(10)
    assert count() == few
