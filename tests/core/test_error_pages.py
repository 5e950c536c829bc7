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
