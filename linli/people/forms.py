from django import forms

from linli.core.models import Region
from linli.core.scoping import restrict
from linli.housing.models import House
from linli.people.models import ETHNIC_GROUPS, Person, Residency


class PersonForm(forms.Form):
    """Fields typed by a person; sex and birth date are derived from the ID number, never typed."""

    name = forms.CharField(label="姓名", max_length=50)
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
    notes = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PersonCreateForm(PersonForm):
    house = forms.ModelChoiceField(
        label="房屋", queryset=House.objects.none(), required=False, widget=forms.HiddenInput
    )
    residency_kind = forms.ChoiceField(label="与房屋关系", choices=Residency.Kind.choices)
    region = forms.ModelChoiceField(label="所属网格", queryset=Region.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = restrict(user, "house.add", House.objects.select_related("building", "unit"))
        self.fields["region"].queryset = restrict(
            user, "region.view", Region.objects.filter(level__code__in=["grid", "unit"])
        )

    def clean(self):
        data = super().clean()
        if not data.get("house") and not data.get("region"):
            raise forms.ValidationError("请选择房屋或所属网格。")
        return data


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
