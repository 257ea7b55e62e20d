from django import forms

from linli.housing.models import House


class HouseEditForm(forms.Form):
    floor = forms.IntegerField(label="楼层", required=False)
    area = forms.DecimalField(label="建筑面积（㎡）", max_digits=8, decimal_places=2, required=False, min_value=0.01)
    use = forms.ChoiceField(label="房屋用途", choices=House.Use.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)
