"""Models of participation's votes part: 业主表决 under Civil Code Art. 278.

An :class:`OwnerVote` freezes its electorate (:class:`ElectorUnit`, one row per 专有部分 with its registered area
and an opaque owner key) when it is created, on its notice date. Who voted (:class:`Turnout`, one per unit: the
database refuses a second) is kept apart from what was chosen (:class:`Ballot`: no house, no time, a random key),
unless the vote is configured as open (``secret=False``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from linli.core.fields import PathField

__all__ = ["Ballot", "ElectorUnit", "OwnerVote", "OwnerVoteItem", "Turnout"]

# Art. 278 ¶1 items 6–8: raise maintenance funds; rebuild/reconstruct; change the use of common parts or run a
# business on them. They need 3/4; every other matter more than 1/2.
MATTERS = {
    1: "制定和修改业主大会议事规则",
    2: "制定和修改管理规约",
    3: "选举业主委员会或者更换业主委员会成员",
    4: "选聘和解聘物业服务企业或者其他管理人",
    5: "使用建筑物及其附属设施的维修资金",
    6: "筹集建筑物及其附属设施的维修资金",
    7: "改建、重建建筑物及其附属设施",
    8: "改变共有部分的用途或者利用共有部分从事经营活动",
    9: "有关共有和共同管理权利的其他重大事项",
}
SPECIAL_MATTERS = frozenset({6, 7, 8})


class OwnerVote(models.Model):
    """业主表决: one vote of a compound's owners on one or more items."""

    class Status(models.TextChoices):
        OPEN = "open", "投票中"
        CLOSED = "closed", "已结束"

    compound = models.ForeignKey(
        "housing.Compound", on_delete=models.PROTECT, related_name="owner_votes", verbose_name="小区"
    )
    title = models.CharField("表决名称", max_length=200)
    notice_date = models.DateField("公告日期", help_text="表决权人以该日登记的产权为准")
    deadline = models.DateTimeField("截止时间", null=True, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    secret = models.BooleanField("不记名", default=True, help_text="不记名：谁投了票与投了什么分开保存")
    region_path = PathField(editable=False)
    units = models.PositiveIntegerField("专有部分数", default=0, editable=False)
    area = models.DecimalField("专有部分总面积（㎡）", max_digits=14, decimal_places=2, default=0, editable=False)
    owners = models.PositiveIntegerField("业主人数", default=0, editable=False)
    result = models.JSONField("表决结果", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "业主表决"
        verbose_name_plural = "业主表决"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:ownervote_detail", args=[self.pk])


class OwnerVoteItem(models.Model):
    """One item (表决事项) of a vote, numbered from 0, with its Art. 278 matter (1–9)."""

    vote = models.ForeignKey(OwnerVote, on_delete=models.CASCADE, related_name="items", verbose_name="表决")
    index = models.PositiveSmallIntegerField("序号")
    title = models.CharField("事项", max_length=200)
    matter = models.PositiveSmallIntegerField("事项类别", choices=sorted(MATTERS.items()))

    class Meta:
        ordering = ["vote", "index"]
        verbose_name = "表决事项"
        verbose_name_plural = "表决事项"
        constraints = [models.UniqueConstraint(fields=["vote", "index"], name="ownervoteitem_unique_index")]

    def __str__(self) -> str:
        return self.title

    @property
    def special(self) -> bool:
        return self.matter in SPECIAL_MATTERS


class ElectorUnit(models.Model):
    """One 专有部分 of the frozen electorate: its registered area and its owner (as an opaque key)."""

    vote = models.ForeignKey(OwnerVote, on_delete=models.CASCADE, related_name="electorate", verbose_name="表决")
    house = models.ForeignKey("housing.House", on_delete=models.PROTECT, related_name="+", verbose_name="房屋")
    area = models.DecimalField("面积（㎡）", max_digits=8, decimal_places=2)
    owner_key = models.CharField("业主标识", max_length=20)
    owner_label = models.CharField("产权人", max_length=120, blank=True)
    developer = models.BooleanField("开发建设单位（未售出）", default=False)
    # ",3,17," — the persons who may vote for this unit in the resident app (its owners on the notice date).
    person_ids = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["vote", "pk"]
        verbose_name = "表决权人"
        verbose_name_plural = "表决权人"
        constraints = [models.UniqueConstraint(fields=["vote", "house"], name="electorunit_unique_house")]

    def __str__(self) -> str:
        return f"{self.house} · {self.owner_key}"


class Turnout(models.Model):
    """Who voted: one row per unit (a second ballot for the same unit is refused by the database)."""

    class Channel(models.TextChoices):
        APP = "app", "居民端"
        PAPER = "paper", "纸质票"
        ASSISTED = "assisted", "协助投票"

    vote = models.ForeignKey(OwnerVote, on_delete=models.CASCADE, related_name="turnout", verbose_name="表决")
    house = models.ForeignKey("housing.House", on_delete=models.PROTECT, related_name="+", verbose_name="房屋")
    channel = models.CharField("投票方式", max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="录入人",
    )  # fmt: skip
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="协助人（网格员）",
    )  # fmt: skip
    voted_at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        ordering = ["vote", "voted_at", "pk"]
        verbose_name = "投票记录"
        verbose_name_plural = "投票记录"
        constraints = [models.UniqueConstraint(fields=["vote", "house"], name="turnout_one_ballot_per_unit")]

    def __str__(self) -> str:
        return f"{self.vote} · {self.house}"


class Ballot(models.Model):
    """What was chosen: no house (unless the vote is open), no time, a random key.

    ``area`` and ``owner_token`` (an HMAC of the owner key, not the key) weigh the ballot by area and headcount;
    the voter keeps ``receipt`` (only its digest is stored) to check that the ballot was counted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(OwnerVote, on_delete=models.CASCADE, related_name="ballots", verbose_name="表决")
    choices = models.JSONField("选择")
    area = models.DecimalField("面积（㎡）", max_digits=8, decimal_places=2)
    owner_token = models.CharField(max_length=32)
    receipt_digest = models.CharField(max_length=64, unique=True)
    house = models.ForeignKey(
        "housing.House", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="房屋"
    )

    class Meta:
        ordering = ["vote", "id"]
        verbose_name = "选票"
        verbose_name_plural = "选票"

    def __str__(self) -> str:
        return f"{self.vote} · 选票"
