"""Models of participation's deliberation part: 议事协商 matters, offline meetings, polls, follow-up.

A matter (议题) moves draft → review → discussion → voting → results → follow-up → closed through
``core.workflow.transition``; each move writes a :class:`MatterTransition`. A poll's ballots are kept in two
tables: :class:`PollVoter` says who voted (one row per person or household, a database constraint), and
:class:`PollChoice` what was chosen; in an anonymous poll a choice row does not point at its voter.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from linli.core.fields import PathField

__all__ = [
    "Matter",
    "MatterTransition",
    "MatterDocument",
    "MatterComment",
    "CommentReport",
    "MatterMeeting",
    "MeetingAttendance",
    "MeetingPhoto",
    "Poll",
    "PollOption",
    "PollVoter",
    "PollChoice",
    "FollowUp",
    "FollowUpRating",
]

USER = settings.AUTH_USER_MODEL


class Matter(models.Model):
    """议题: a matter residents, staff or the owners' committee put to the community."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        REVIEW = "review", "待审核"
        DISCUSSION = "discussion", "协商讨论中"
        VOTING = "voting", "表决中"
        RESULTS = "results", "结果已公布"
        FOLLOW_UP = "follow_up", "跟踪落实中"
        CLOSED = "closed", "已办结"
        REJECTED = "rejected", "未通过审核"

    class ProposerKind(models.TextChoices):
        RESIDENT = "resident", "居民"
        STAFF = "staff", "社区工作人员"
        COMMITTEE = "committee", "业主委员会"

    class Method(models.TextChoices):
        POLL = "poll", "社区投票"
        OWNER_VOTE = "owner_vote", "业主表决"

    title = models.CharField("议题", max_length=100)
    description = models.TextField("议题说明")
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所属区域")
    region_path = PathField(editable=False)
    proposer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="提议人账号"
    )
    proposer_kind = models.CharField("提议方", max_length=10, choices=ProposerKind.choices)
    proposer_name = models.CharField("提议人", max_length=50)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField(default=0, editable=False)
    discussion_ends = models.DateField("讨论截止日期", null=True, blank=True)
    method = models.CharField("表决方式", max_length=12, choices=Method.choices, blank=True)
    owner_vote = models.OneToOneField(
        "participation.OwnerVote", null=True, blank=True, on_delete=models.SET_NULL, related_name="matter",
        verbose_name="业主表决",
    )  # fmt: skip
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    results_title = models.CharField("结果公告标题", max_length=150, blank=True)
    results_body = models.TextField("结果公告内容", blank=True)
    results_published_at = models.DateTimeField("结果公布时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "议题"
        verbose_name_plural = "议题"
        indexes = [models.Index(fields=["region_path", "status"], name="matter_region_status")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("participation:matter_detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status not in (self.Status.DRAFT, self.Status.REVIEW, self.Status.REJECTED)


class MatterTransition(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="transitions", verbose_name="议题")
    from_status = models.CharField("原状态", max_length=12, choices=Matter.Status.choices)
    to_status = models.CharField("新状态", max_length=12, choices=Matter.Status.choices)
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="操作人")
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "议题流转记录"
        verbose_name_plural = "议题流转记录"

    def __str__(self) -> str:
        return f"{self.matter_id}: {self.from_status} → {self.to_status}"


class MatterDocument(models.Model):
    """A document of a matter (方案、图纸、预算、纪要), kept sealed (encrypted) through ``core.attachments``.

    Minutes and plans may name residents or show their homes, so the file never rests in clear; it is served only
    to users who may see the matter (``views.matter_document``).
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="documents", verbose_name="议题")
    name = models.CharField("文件名", max_length=150)
    key = models.CharField("存储键", max_length=255)
    content_type = models.CharField("格式", max_length=80, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "议题材料"
        verbose_name_plural = "议题材料"

    def __str__(self) -> str:
        return self.name


class MatterComment(models.Model):
    """A comment in a matter's discussion; staff may hide it (with a reason) and restore it."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="comments", verbose_name="议题")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发言人")
    author_name = models.CharField("发言人姓名", max_length=50)
    body = models.TextField("内容")
    hidden = models.BooleanField("已隐藏", default=False)
    hidden_reason = models.CharField("隐藏原因", max_length=100, blank=True)
    hidden_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("发表时间", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "议题评论"
        verbose_name_plural = "议题评论"

    def __str__(self) -> str:
        return self.body[:30]


class CommentReport(models.Model):
    """A resident's report of a comment (不文明、广告、泄露隐私…); one per resident and comment."""

    comment = models.ForeignKey(MatterComment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name="举报人")
    reason = models.CharField("举报原因", max_length=100)
    created_at = models.DateTimeField("举报时间", auto_now_add=True)

    class Meta:
        verbose_name = "评论举报"
        verbose_name_plural = "评论举报"
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="comment_report_once")]

    def __str__(self) -> str:
        return self.reason


class MatterMeeting(models.Model):
    """An offline meeting about a matter: 板凳会 (a bench meeting in the compound) or 恳谈会."""

    class Kind(models.TextChoices):
        BENCH = "bench", "板凳会"
        HEART = "heart", "恳谈会"
        OTHER = "other", "协商会"

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="meetings", verbose_name="议题")
    kind = models.CharField("会议形式", max_length=8, choices=Kind.choices, default=Kind.BENCH)
    held_at = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=100)
    minutes = models.TextField("会议纪要")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["held_at", "pk"]
        verbose_name = "线下协商会议"
        verbose_name_plural = "线下协商会议"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_at:%Y-%m-%d}"


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(MatterMeeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", verbose_name="参会人")

    class Meta:
        verbose_name = "参会记录"
        verbose_name_plural = "参会记录"
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="meeting_attendance_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id}"


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(MatterMeeting, on_delete=models.CASCADE, related_name="photos")
    key = models.CharField("存储键", max_length=255)
    content_type = models.CharField("格式", max_length=80, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"

    def __str__(self) -> str:
        return self.key


class Poll(models.Model):
    """社区投票: who may vote (region, tag, role), one ballot per person or household, single or multiple choice."""

    class Status(models.TextChoices):
        OPEN = "open", "投票中"
        CLOSED = "closed", "已结束"

    class Per(models.TextChoices):
        PERSON = "person", "每人一票"
        HOUSEHOLD = "household", "每户一票"

    class Role(models.TextChoices):
        ANY = "", "不限"
        PARTY_MEMBER = "party_member", "党员"
        VOLUNTEER = "volunteer", "志愿者"

    title = models.CharField("投票标题", max_length=100)
    description = models.TextField("说明", blank=True)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="投票范围")
    region_path = PathField(editable=False)
    matter = models.ForeignKey(
        Matter, null=True, blank=True, on_delete=models.CASCADE, related_name="polls", verbose_name="所属议题"
    )
    tag = models.ForeignKey(
        "people.Tag", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="限定标签"
    )
    role = models.CharField("限定身份", max_length=20, choices=Role.choices, blank=True, default="")
    per = models.CharField("计票单位", max_length=10, choices=Per.choices, default=Per.PERSON)
    multiple = models.BooleanField("多选", default=False)
    max_choices = models.PositiveSmallIntegerField("最多选几项", default=1)
    anonymous = models.BooleanField("匿名投票", default=False)
    show_tally = models.BooleanField("投票期间公开实时票数", default=False)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    closes_at = models.DateTimeField("截止时间")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    tally = models.JSONField("计票结果", default=dict, blank=True)  # {"ballots": n, "options": {option id: n}}
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "社区投票"
        verbose_name_plural = "社区投票"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("participation:poll_detail", args=[self.pk])

    @property
    def eligibility_label(self) -> str:
        parts = [self.region.name]
        if self.tag_id:
            parts.append(f"标签“{self.tag.name}”")
        if self.role:
            parts.append(self.get_role_display())
        return "、".join(parts) + f"；{self.get_per_display()}"


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField("选项", max_length=100)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "投票选项"
        verbose_name_plural = "投票选项"

    def __str__(self) -> str:
        return self.label


class PollVoter(models.Model):
    """Who voted (参与记录): one row per person, or per household when the poll counts households."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    voter_key = models.CharField("计票单位", max_length=20)  # "p<person id>" or "h<household id>"
    user = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="投票账号")
    person = models.ForeignKey("people.Person", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        verbose_name = "投票参与记录"
        verbose_name_plural = "投票参与记录"
        constraints = [models.UniqueConstraint(fields=["poll", "voter_key"], name="poll_one_ballot_per_voter")]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.voter_key}"


class PollChoice(models.Model):
    """What was chosen. ``voter`` is set only in a named poll; an anonymous choice cannot be traced to its voter."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="choices")
    voter = models.ForeignKey(PollVoter, null=True, blank=True, on_delete=models.CASCADE, related_name="choices")

    class Meta:
        verbose_name = "投票选择"
        verbose_name_plural = "投票选择"

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.option_id}"


class FollowUp(models.Model):
    """A follow-up item (落实事项) of a decided matter: who does what by when; staff chase it when overdue."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="follow_ups", verbose_name="议题")
    title = models.CharField("落实事项", max_length=150)
    owner_name = models.CharField("责任方", max_length=50)
    deadline = models.DateField("完成期限")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    result = models.CharField("完成情况", max_length=300, blank=True)
    chase_count = models.PositiveSmallIntegerField("督促次数", default=0)
    last_chased_at = models.DateTimeField("最近督促", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = "落实事项"
        verbose_name_plural = "落实事项"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("participation:matter_detail", args=[self.matter_id])


class FollowUpRating(models.Model):
    """A resident's rating (1–5) of how a matter's follow-up went: once per resident and matter."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="ratings", verbose_name="议题")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+", verbose_name="评价人")
    score = models.PositiveSmallIntegerField("评分")
    comment = models.CharField("意见", max_length=200, blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True)

    class Meta:
        verbose_name = "落实评价"
        verbose_name_plural = "落实评价"
        constraints = [
            models.UniqueConstraint(fields=["matter", "user"], name="follow_up_rating_once"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="follow_up_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}:{self.score}"
