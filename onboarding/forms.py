from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError

from villages.models import Township


class FirstRunForm(forms.Form):
    """The township and its administrator, on the first run."""

    township_name = forms.CharField(label="乡镇（街道）名称", max_length=50, help_text="如：临河街道")
    township_code = forms.CharField(
        label="乡镇编码", max_length=20, help_text="行政区划代码，如 371302001；没有时可填拼音缩写，如 LHJD。",
    )
    display_name = forms.CharField(label="管理员姓名", max_length=50)
    username = forms.CharField(label="管理员登录名", max_length=150, help_text="字母、数字或 @ . + - _，如 admin。")
    password1 = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="再输入一次密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean_username(self):
        username = self.cleaned_data["username"]
        get_user_model().username_validator(username)
        return username

    def clean_township_code(self):
        code = self.cleaned_data["township_code"].strip()
        if Township.objects.filter(code=code).exists():
            raise ValidationError("该编码已被使用。")
        return code

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password and data.get("password2") is not None and password != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        elif password:
            user = get_user_model()(username=data.get("username", ""), display_name=data.get("display_name", ""))
            try:
                validate_password(password, user=user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class CadreAccountsForm(forms.Form):
    villages = forms.ModelMultipleChoiceField(
        label="为这些村居创建村干部账号", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个村居。"},
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = villages
