"""Forms for the console (phone intake, patrol) and the resident app (report, rate). Photos come from request.FILES."""

from django import forms

from linli.core.scoping import restrict
from linli.events.models import Category, Channel, Rating
from linli.housing.models import Building


def category_choices(blank: str = "请选择（可先让系统建议）") -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = [("", blank)]
    groups: dict[str, list[tuple[str, str]]] = {}
    for cat in Category.objects.filter(active=True, parent__isnull=False).select_related("parent").order_by("code"):
        groups.setdefault(f"{cat.parent.code} {cat.parent.name}", []).append(
            (cat.code, f"{cat.code} {cat.name}（{cat.deadline_label}）")
        )
    return choices + list(groups.items())  # type: ignore[arg-type]


class BuildingChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "不选楼栋")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return str(obj)


class IntakeForm(forms.Form):
    """电话登记: staff take a call (12345 / 12319 / phone / walk-in) on behalf of the caller."""

    channel = forms.ChoiceField(
        label="来源",
        choices=[
            (c.value, c.label) for c in (Channel.PHONE, Channel.HOTLINE_12345, Channel.HOTLINE_12319, Channel.WALK_IN)
        ],
    )
    reporter_name = forms.CharField(label="来电人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    anonymous = forms.BooleanField(label="来电人要求匿名（对外显示“匿名”）", required=False)
    text = forms.CharField(label="反映内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    category = forms.ChoiceField(label="分类", required=False)
    building = BuildingChoiceField(label="楼栋", queryset=Building.objects.none(), required=False)
    address = forms.CharField(label="地址（如 3栋2单元501 或路名门牌）", max_length=200, required=False)
    external_id = forms.CharField(label="热线工单号", max_length=64, required=False)
    accept_now = forms.BooleanField(label="登记后立即受理（须已选分类）", required=False, initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["building"].queryset = restrict(user, "building.view", Building.objects.select_related("compound"))


class PatrolForm(forms.Form):
    """巡查上报 on a phone: what, where (GPS or building), and 自办自结 when fixed on the spot."""

    category = forms.ChoiceField(label="分类")
    text = forms.CharField(label="情况描述", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    building = BuildingChoiceField(label="楼栋", queryset=Building.objects.none(), required=False)
    lat = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    lng = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    address = forms.CharField(label="地点说明", max_length=200, required=False)
    self_resolve = forms.BooleanField(label="自办自结（已当场处置）", required=False)
    result = forms.CharField(
        label="处置结果", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices("请选择分类")
        self.fields["building"].queryset = restrict(user, "building.view", Building.objects.select_related("compound"))


class ReportForm(forms.Form):
    """居民上报: text, where (my home, a building, or a point on the map), anonymous to the public."""

    PLACES = [("home", "我家"), ("building", "小区楼栋"), ("point", "地图选点")]
    text = forms.CharField(
        label="遇到了什么问题？",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "例如：3栋楼道灯坏了一周，晚上很黑"}),
        max_length=4000,
    )
    place = forms.ChoiceField(label="位置", choices=PLACES, widget=forms.RadioSelect, initial="home")
    house = forms.ChoiceField(label="我家", required=False)
    building = BuildingChoiceField(label="楼栋", queryset=Building.objects.none(), required=False)
    lat = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    lng = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    # Set by the page when the resident confirms the place a tap resolved to ("您选择的位置：…  确认").
    point_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label="补充位置说明", max_length=200, required=False)
    anonymous = forms.BooleanField(label="对外匿名（工作人员仍可联系您）", required=False)

    def __init__(self, *args, houses=(), buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.houses = {str(h.pk): h for h in houses}
        self.fields["house"].choices = [(k, h.full_address()) for k, h in self.houses.items()]
        if buildings is not None:
            self.fields["building"].queryset = buildings
        if not self.houses:
            self.fields["place"].initial = "building"


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label="您对处理结果满意吗？",
        choices=[(r.value, r.label) for r in (Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="意见（不满意时必填）", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class HotlineImportForm(forms.Form):
    """12345 工单导入: a file of orders and the community whose queue receives those it cannot place."""

    MAX_BYTES = 5 * 1024 * 1024
    EXTENSIONS = (".csv", ".xlsx", ".json")

    community = RegionChoiceField(
        label="导入社区", queryset=None, empty_label="请选择社区",
        error_messages={"invalid_choice": "导入社区：不在您的管辖范围内"},
    )  # fmt: skip
    file = forms.FileField(label="工单文件（CSV / XLSX / JSON）")

    def __init__(self, *args, user=None, **kwargs):
        from linli.core.models import Region

        super().__init__(*args, **kwargs)
        qs = restrict(user, "region.view", Region.objects.filter(level__code="community")).order_by("path")
        self.fields["community"].queryset = qs
        communities = list(qs[:2])
        if len(communities) == 1:
            self.fields["community"].initial = communities[0].pk

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(self.EXTENSIONS):
            raise forms.ValidationError("工单文件：只接受 .csv、.xlsx 或 .json 文件")
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("工单文件：不能超过 5 MB")
        return upload
