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


class OTPReplaceForm(OTPTokenForm):
    """Replacing a confirmed device: full re-authentication (password + a code of the current device) first."""

    password = forms.CharField(
        label="当前密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}),
    )
    current_token = forms.RegexField(
        label="原设备上的动态验证码",
        regex=r"^\d{6}$",
        error_messages={"invalid": "请输入 6 位数字验证码。"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control"}
        ),
    )
    field_order = ["password", "current_token", "token"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["token"].label = "新设备上的动态验证码"
        self.fields["token"].widget.attrs.pop("autofocus", None)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("密码不正确。")
        return password

    def clean_current_token(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        code = self.cleaned_data["current_token"]
        devices = TOTPDevice.objects.filter(user=self.user, confirmed=True)
        if not any(d.verify_token(code) for d in devices):
            raise forms.ValidationError("原设备的验证码不正确。")
        return code


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
