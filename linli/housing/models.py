"""Physical places: 小区 (compound), 楼栋 (building), 单元 (unit/entrance), 房屋 (house)."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Length
from django.urls import reverse

from linli.core.fields import PathField
from linli.core.http import pk_url


def natural(field: str) -> list:
    """Order a number-like text column as people count: 101 before 1001, 3栋 before 12栋.

    Shorter first, then by text: exact for the numeric house, unit and building numbers of Chinese addresses,
    without a second column to keep in step. ``qs.order_by(*natural("number"))``.
    """
    return [Length(field).asc(), F(field).asc()]


class Compound(models.Model):
    """小区: a residential compound in one community, usually run by one property company."""

    name = models.CharField("小区名称", max_length=100)
    community = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, related_name="compounds", verbose_name="所属社区"
    )
    region_path = PathField(editable=False)
    property_company = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="compounds",
        verbose_name="物业公司",
        limit_choices_to={"kind": "property"},
    )
    address = models.CharField("地址", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    # WGS-84 outline [[lng, lat], ...] (GeoJSON order). Without one, maps and point lookups use the hull of the
    # compound's buildings grown by a margin (linli.housing.selectors.compound_outline).
    boundary = models.JSONField("小区边界", null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "小区"
        verbose_name_plural = "小区"
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("housing:compound_detail", args=[self.pk])


class Building(models.Model):
    """楼栋: one building, in exactly one grid; carries a WGS-84 point."""

    compound = models.ForeignKey(
        Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="buildings", verbose_name="小区"
    )
    name = models.CharField("楼栋", max_length=50, help_text="如 3栋、A座")
    number = models.CharField("楼栋号", max_length=20, db_index=True, help_text="用于地址解析的编号，如 3、A")
    grid = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="buildings", verbose_name="网格")
    region_path = PathField(editable=False)
    floors = models.PositiveSmallIntegerField("层数", null=True, blank=True)
    address = models.CharField("门牌地址", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    # WGS-84 footprint [[lng, lat], ...]; maps draw a standard rectangle at the point when there is none.
    footprint = models.JSONField("楼栋轮廓", null=True, blank=True)

    class Meta:
        ordering = ["compound__name", *natural("number")]
        verbose_name = "楼栋"
        verbose_name_plural = "楼栋"
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")]
        # A point on the map (a report, an Open311 request) looks at the buildings in a box around it
        # (``selectors.place_at_point``): without this, every such report read the whole building table.
        indexes = [models.Index(fields=["lat", "lng"], name="building_lat_lng")]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.name}" if self.compound_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("housing:building_detail", args=[self.pk])


class Unit(models.Model):
    """单元: an entrance/stairwell of a building."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units", verbose_name="楼栋")
    number = models.CharField("单元号", max_length=20)

    class Meta:
        ordering = ["building", *natural("number")]
        verbose_name = "单元"
        verbose_name_plural = "单元"
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number")]

    def __str__(self) -> str:
        return f"{self.building}{self.number}单元"


class House(models.Model):
    """房屋: one dwelling or shop; belongs to a building and optionally to a 十联户 unit."""

    class Use(models.TextChoices):
        OWNER_OCCUPIED = "owner", "自住"
        RENTED = "rented", "出租"
        VACANT = "vacant", "空置"
        COMMERCIAL = "commercial", "商用"

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="houses", verbose_name="楼栋")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="houses", verbose_name="单元"
    )
    floor = models.SmallIntegerField("楼层", null=True, blank=True)
    number = models.CharField("房号", max_length=20, db_index=True)
    area = models.DecimalField(
        "建筑面积（㎡）",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    use = models.CharField("房屋用途", max_length=12, choices=Use.choices, default=Use.OWNER_OCCUPIED)
    household_unit = models.ForeignKey(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="houses",
        verbose_name="十联户",
    )
    # The most specific region: the 十联户 unit when set, else the building's grid.
    region_path = PathField(editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["building", "unit", "floor", *natural("number")]
        verbose_name = "房屋"
        verbose_name_plural = "房屋"
        constraints = [
            models.UniqueConstraint(fields=["building", "unit", "number"], name="house_unique_number"),
            models.UniqueConstraint(
                fields=["building", "number"], condition=models.Q(unit__isnull=True), name="house_unique_number_nounit"
            ),
        ]

    def __str__(self) -> str:
        return self.short_address

    def get_absolute_url(self) -> str:
        return pk_url("housing:house_detail", self.pk)

    @property
    def short_address(self) -> str:
        unit = f"{self.unit.number}单元" if self.unit_id else ""
        return f"{self.building}{unit}{self.number}室"

    def full_address(self) -> str:
        community = self.building.compound.community.name if self.building.compound_id else ""
        return f"{community}{self.short_address}"
