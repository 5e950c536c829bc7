"""The 403, 404 and 500 pages with DEBUG off (tests run with DEBUG=False): in Chinese, set
for a phone's width, with a way home; the 500 page needs no request and no database."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def assert_error_page(response, status, heading):
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="zh-CN">' in page
    assert VIEWPORT in page
    assert heading in page
    assert f'<a class="button" href="{reverse("home")}">返回首页</a>' in page
    return page


@pytest.mark.django_db
def test_it_shows_the_chinese_404_page_for_an_unknown_address(client, staff_user, settings):
    assert settings.DEBUG is False
    client.force_login(staff_user)
    response = client.get("/no-such-page/")
    assert "404.html" in [t.name for t in response.templates]
    assert_error_page(response, 404, "没有找到这个页面")


@pytest.mark.django_db
def test_it_tells_a_cadre_why_a_writer_page_is_refused(client, cadre_user):
    client.force_login(cadre_user)
    response = client.get(reverse("recovery:repayment_add"))
    page = assert_error_page(response, 403, "没有权限访问这个页面")
    assert "只有经管中心录入员和管理员可以录入或修改。" in page


@pytest.mark.django_db
@pytest.mark.urls("tests.boom_urls")
def test_it_shows_the_500_page_without_the_database(client, django_assert_num_queries):
    client.raise_request_exception = False
    with django_assert_num_queries(0):  # no request context, no user, no session read
        response = client.get("/boom/")
    assert_error_page(response, 500, "系统出错了")


def test_the_500_page_renders_from_an_empty_context():
    page = render_to_string("500.html")
    assert "系统出错了" in page and VIEWPORT in page and 'href="/"' in page


@pytest.mark.django_db
def test_it_shows_the_chinese_400_page_for_a_host_it_does_not_serve(client):
    response = client.get(reverse("login"), HTTP_HOST="evil.example.com")
    assert "400.html" in [t.name for t in response.templates]
    assert_error_page(response, 400, "无法处理这个请求")


@pytest.mark.django_db
def test_it_shows_the_chinese_page_for_a_form_posted_without_its_token(staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    response = client.post(reverse("logout"))
    page = assert_error_page(response, 403, "页面已过期，请刷新后重新提交")
    assert "请返回上一页，刷新后重新填写并提交。" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
def test_it_refuses_a_body_above_the_limit_before_reading_it(client, staff_user, settings):
    client.force_login(staff_user)
    too_big = settings.REQUEST_MAX_BYTES + 1
    response = client.post(reverse("imports:batch_add"), data=b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(too_big))
    page = assert_error_page(response, 413, "上传的内容太大")
    assert f"一次提交最多 {settings.REQUEST_MAX_BYTES // 1024 // 1024} MB" in page


def test_the_body_limit_takes_the_largest_upload_and_its_form(settings):
    assert settings.REQUEST_MAX_BYTES == max(settings.IMPORT_MAX_BYTES, settings.CONTRACT_ATTACHMENT_MAX_BYTES) + 1024 * 1024
