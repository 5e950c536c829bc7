"""The password rules (settings.AUTH_PASSWORD_VALIDATORS, core/passwords.py): at least 10
characters, letters and digits, not like the user name, not a common password; each refusal
in Chinese, on the password change page too."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import User

USER = User(username="zhangsan", display_name="张三")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("qingshou1", "密码太短：至少需要 10 个字符，现在只有 9 个。"),
        ("abcdefghijkl", "密码须同时包含字母和数字。"),
        ("12345678901", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("zhangsan2026", "密码跟 用户名 太相似了。"),
    ],
)
def test_it_refuses_a_weak_password_in_chinese(password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, USER)
    assert message in refused.value.messages


@pytest.mark.parametrize("password", ["qs-demo-2026", "Lanshan2026jie", "ab12cd34ef"])
def test_it_accepts_a_password_with_ten_characters_letters_and_digits(password):
    validate_password(password, USER)


@pytest.mark.django_db
def test_the_password_change_page_says_why_in_chinese(client, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "test-pass-123", "new_password1": "qingshou1", "new_password2": "qingshou1"},
    )
    assert response.status_code == 200
    assert "密码太短：至少需要 10 个字符，现在只有 9 个。" in response.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password("test-pass-123")  # unchanged
