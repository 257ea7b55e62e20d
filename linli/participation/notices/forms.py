"""Forms of the notices part: publish a notice (with its audience), add a learning material."""

from django import forms

from linli.participation.notices.models import LearningMaterial, Notice

DT = {"type": "datetime-local", "class": "form-control"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AudienceFields(forms.Form):
    """Where and who, offered from what the staff member reaches (``choices`` from selectors.audience_choices)."""

    region = forms.TypedChoiceField(label="发布范围", coerce=int, help_text="通知挂在哪一级区域下，发送对象不会超出它")
    regions = forms.TypedMultipleChoiceField(label="网格/十联户", coerce=int, required=False)
    compounds = forms.TypedMultipleChoiceField(label="小区", coerce=int, required=False)
    buildings = forms.TypedMultipleChoiceField(label="楼栋", coerce=int, required=False)
    tags = forms.MultipleChoiceField(label="标签人群", required=False)
    roles = forms.MultipleChoiceField(label="角色", required=False)
    party_members = forms.BooleanField(label="党员", required=False)
    volunteers = forms.BooleanField(label="志愿者", required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        regions = list(choices["regions"])
        self.regions_by_id = {r.pk: r for r in regions}
        self.fields["region"].choices = [("", "请选择")] + [(r.pk, f"{r.level.name} · {r.name}") for r in regions]
        self.fields["regions"].choices = [(r.pk, r.name) for r in regions if r.level.code in ("grid", "unit")]
        self.fields["compounds"].choices = [(c.pk, c.name) for c in choices["compounds"]]
        self.fields["buildings"].choices = [(b.pk, str(b)) for b in choices["buildings"]]
        self.fields["tags"].choices = [(t.code, t.name) for t in choices["tags"]]
        self.fields["roles"].choices = choices["roles"]
        for name in ("regions", "compounds", "buildings", "tags", "roles"):
            self.fields[name].widget.attrs.update({"class": "form-select", "size": 5})
        self.fields["region"].widget.attrs["class"] = "form-select"

    def audience(self) -> dict:
        d = self.cleaned_data
        return {k: d.get(k) for k in ("regions", "compounds", "buildings", "tags", "roles", "party_members",
                                      "volunteers")}  # fmt: skip


class NoticeForm(AudienceFields):
    title = forms.CharField(label="标题", max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    kind = forms.ChoiceField(
        label="类型", choices=Notice.Kind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    body = forms.CharField(
        label="正文", max_length=20000, widget=forms.Textarea(attrs={"class": "form-control", "rows": 8})
    )
    publish_at = forms.DateTimeField(label="定时发布", required=False, widget=forms.DateTimeInput(attrs=DT),
                                     help_text="留空则立即发布")  # fmt: skip
    expires_at = forms.DateTimeField(label="有效期至", required=False, widget=forms.DateTimeInput(attrs=DT))
    pinned = forms.BooleanField(label="置顶", required=False)
    files = MultipleFileField(label="附件", required=False, help_text="PDF、Word、Excel、图片等，每个不超过 20 MB")

    field_order = ["title", "kind", "body", "region", "regions", "compounds", "buildings", "tags", "roles",
                   "party_members", "volunteers", "publish_at", "expires_at", "pinned", "files"]  # fmt: skip


class MaterialForm(AudienceFields):
    title = forms.CharField(label="标题", max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    kind = forms.ChoiceField(label="类型", choices=LearningMaterial.Kind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))  # fmt: skip
    body = forms.CharField(label="内容/说明", required=False, max_length=50000,
                           widget=forms.Textarea(attrs={"class": "form-control", "rows": 8}))  # fmt: skip
    url = forms.CharField(
        label="视频链接", required=False, max_length=500, widget=forms.URLInput(attrs={"class": "form-control"})
    )
    file = forms.FileField(label="文档", required=False)
    minutes_required = forms.IntegerField(label="要求学习时长（分钟）", initial=10, min_value=1, max_value=600,
                                          widget=forms.NumberInput(attrs={"class": "form-control"}))  # fmt: skip

    field_order = ["title", "kind", "body", "url", "file", "minutes_required", "region", "regions", "compounds",
                   "buildings", "tags", "roles", "party_members", "volunteers"]  # fmt: skip
