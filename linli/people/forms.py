import re
import unicodedata

from django import forms

from linli.core.errors import DomainError
from linli.core.forms import RegionChoiceField
from linli.core.models import Region
from linli.core.scoping import restrict
from linli.housing.models import House
from linli.housing.selectors import houses_at_address
from linli.people.models import ETHNIC_GROUPS, Person, Residency

# Chinese names, with the middle dot of transliterated minority and foreign names (阿卜杜·热合曼); the dots
# people type instead of "·" (•, ・, ．, ‧, ∙, ⋅, 。) are read as it.
_DOTS = re.compile(r"\s*[·•・．.‧∙⋅。]\s*")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
CHINESE_NAME = re.compile(rf"^{_HAN}+(?:·{_HAN}+)*$")
LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ]+(?:[ '\-.][A-Za-zÀ-ÖØ-öø-ÿ]+)*\.?$")
NAME_HELP = "中文姓名 2–30 个字，少数民族姓名中间用“·”（如 阿卜杜·热合曼）；外籍人员可填外文姓名"


def clean_person_name(value: str) -> str:
    """A person's name as registers keep it, or a ValidationError in plain Chinese."""
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value or "")).strip()
    chinese = _DOTS.sub("·", name)
    if re.search(_HAN, chinese):
        if not CHINESE_NAME.match(chinese):
            raise forms.ValidationError(
                "姓名：只能是汉字，少数民族姓名中间用“·”隔开（如 阿卜杜·热合曼），不要有数字、空格或其他符号"
            )
        if not 2 <= len(chinese) <= 30:
            raise forms.ValidationError(f"姓名：中文姓名应为 2–30 个字（现在 {len(chinese)} 个字）")
        return chinese
    if not LATIN_NAME.match(name):
        raise forms.ValidationError("姓名：请填写中文姓名；外籍人员可填外文姓名（字母、空格、连字符）")
    if not 2 <= len(name) <= 50:
        raise forms.ValidationError(f"姓名：外文姓名应为 2–50 个字符（现在 {len(name)} 个）")
    return name


PERSON_FIELDS = ("name", "id_type", "id_number", "phone", "ethnicity", "hukou_address", "person_type",
                 "political_status", "workplace", "notes")  # fmt: skip


class PersonForm(forms.Form):
    """Fields typed by a person; sex and birth date are derived from the ID number, never typed.

    Every problem is shown at once: the register's own checks (ID check digit, phone, ethnicity) run in
    ``clean`` too, not only after the form's own checks have passed.
    """

    name = forms.CharField(label="姓名", max_length=50, help_text=NAME_HELP)
    id_type = forms.ChoiceField(label="证件类型", choices=Person.IdType.choices, initial=Person.IdType.RESIDENT_ID)
    id_number = forms.CharField(
        label="证件号码", max_length=30, help_text="居民身份证 18 位（末位可为 X），15 位旧号码自动转换"
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False, help_text="手机号或固定电话（区号-号码）")
    ethnicity = forms.ChoiceField(label="民族", choices=[("", "—")] + [(e, e) for e in ETHNIC_GROUPS], required=False)
    hukou_address = forms.CharField(label="户籍地", max_length=200, required=False)
    person_type = forms.ChoiceField(label="人员类型", choices=Person.PersonType.choices)
    political_status = forms.ChoiceField(label="政治面貌", choices=Person.Political.choices, initial="masses")
    workplace = forms.CharField(label="工作单位", max_length=100, required=False)
    notes = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=500)

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data.get("name", ""))

    def clean(self):
        data = super().clean()
        from linli.people.services import clean_person_data

        values = {k: data.get(k, self.data.get(k, "")) for k in PERSON_FIELDS}
        values["name"] = values["name"] or "待定"  # an empty name is reported by the field itself
        try:
            clean_person_data(**values)
        except DomainError as exc:
            for field, message in exc.errors:
                if field in self.fields and field not in self.errors:
                    self.add_error(field, message)
        return data


class PersonCreateForm(PersonForm):
    house = forms.ModelChoiceField(
        label="房屋", queryset=House.objects.none(), required=False, widget=forms.HiddenInput
    )
    address = forms.CharField(
        label="住址", max_length=100, required=False, help_text="如 3栋2单元501、3-2-501 或 彩虹社区3栋2单元501室"
    )
    residency_kind = forms.ChoiceField(label="与房屋关系", choices=Residency.Kind.choices)
    region = RegionChoiceField(
        label="所属网格（无房屋时）", queryset=Region.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["house"].queryset = restrict(user, "house.view", House.objects.select_related("building", "unit"))
        self.fields["region"].queryset = restrict(
            user, "region.view", Region.objects.filter(level__code__in=["grid", "unit"]).select_related("level")
        ).order_by("path")

    def clean(self):
        data = super().clean()
        if not data.get("house") and data.get("address"):
            houses = list(houses_at_address(user=self.user, text=data["address"])[:2])
            if not houses:
                self.add_error("address", f"住址：没有找到“{data['address']}”，或不在您的范围内")
            elif len(houses) > 1:
                self.add_error("address", f"住址：“{data['address']}”对应多套房屋，请写上小区名称")
            else:
                data["house"] = houses[0]
        if not data.get("house") and not data.get("region") and "address" not in self.errors:
            self.add_error(None, "请填写住址，或选择所属网格。")
        return data


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VisitForm(forms.Form):
    """走访记录: what the grid worker saw and heard, with photos from the phone's camera."""

    visited_on = forms.DateField(label="走访日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    kind = forms.ChoiceField(label="方式", choices=[])
    notes = forms.CharField(
        label="走访情况",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "身体、生活、居住安全、诉求……"}),
    )
    follow_up_needed = forms.BooleanField(label="需要跟进", required=False)
    follow_up = forms.CharField(
        label="跟进事项", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        from linli.people.models import Visit

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Visit.Kind.choices
