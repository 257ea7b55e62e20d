from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from linli.core.models import Region


class LoginForm(AuthenticationForm):
    """Username or mobile number + password; one message for every failure (no account enumeration)."""

    username = forms.CharField(
        label="用户名或手机号", max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "用户名或密码错误。",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
        return self.cleaned_data


class OTPTokenForm(forms.Form):
    token = forms.RegexField(
        label="动态验证码",
        regex=r"^\d{6}$",
        error_messages={"invalid": "请输入 6 位数字验证码。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "class": "form-control"}
        ),
    )


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", "身份证号"), ("phone", "联系电话")], widget=forms.HiddenInput)
    reason = forms.CharField(
        label="查看事由",
        min_length=2,
        max_length=200,
        error_messages={"min_length": "请填写事由（至少 2 个字）。", "required": "请填写事由。"},
    )


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{'　' * (obj.depth - 1)}{obj.name}（{obj.level.name}）"
