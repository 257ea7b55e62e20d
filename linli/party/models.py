"""Party building (党建引领): organisations, members, 三会一课, 党务公开, learning, 双报到 and 共建.

Every row that belongs somewhere carries the region path of its organisation (or community), copied by the
services, so ``restrict()`` answers "everything under this node" with one prefix query.
"""

import secrets

from django.db import models
from django.urls import reverse

from linli.core.fields import PathField


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", "党委"
    REGIONAL = "regional", "区域化党建大党委"
    GENERAL_BRANCH = "general", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint", "联合党支部"
    TEMP_BRANCH = "temp", "临时党支部"
    GROUP = "group", "党小组"
    FUNCTIONAL_GROUP = "functional", "功能型党小组"


BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMP_BRANCH)
GROUP_KINDS = (OrgKind.GROUP, OrgKind.FUNCTIONAL_GROUP)


class MeetingKind(models.TextChoices):
    ASSEMBLY = "assembly", "支部党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"


# Meetings a year by default (reference/law.md: 支部党员大会 quarterly, 支委会 monthly, 党小组会 monthly,
# 党课 at least quarterly, 主题党日 monthly). A branch changes its own through MeetingCycle rows.
DEFAULT_CYCLES = {
    "branch": {
        MeetingKind.ASSEMBLY: 4,
        MeetingKind.COMMITTEE: 12,
        MeetingKind.LECTURE: 4,
        MeetingKind.THEME_DAY: 12,
    },
    "group": {MeetingKind.GROUP: 12},
}


def default_cycles(kind: str) -> dict[str, int]:
    if kind in BRANCH_KINDS:
        return dict(DEFAULT_CYCLES["branch"])
    if kind in GROUP_KINDS:
        return dict(DEFAULT_CYCLES["group"])
    return {}


class PartyOrganization(models.Model):
    """A party organisation attached to a region: 党委, 党总支, 党支部, 党小组 and their special forms.

    小三级 (seed 000): 支部在社区 (a branch on the community), 党小组在小区 (a group with ``compound``), 组长在楼栋
    (``building`` and ``leader_name`` of a group, or a 楼栋长 record below it)."""

    name = models.CharField("组织名称", max_length=100)
    kind = models.CharField("组织类型", max_length=12, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级组织"
    )
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="所在区域")
    region_path = PathField(editable=False)
    compound = models.ForeignKey(
        "housing.Compound", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="所在小区"
    )
    building = models.ForeignKey(
        "housing.Building", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="楼栋"
    )
    secretary_name = models.CharField("书记/组长", max_length=50, blank=True)
    leader_name = models.CharField("楼栋党小组长", max_length=50, blank=True)
    established_on = models.DateField("成立日期", null=True, blank=True)
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_path", "kind", "name"]
        verbose_name = "党组织"
        verbose_name_plural = "党组织"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:partyorg_detail", args=[self.pk])

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


class MemberUnit(models.Model):
    """A member unit of a 区域化党建大党委 (机关, 企事业, 两新组织, 物业党支部, 楼宇党支部)."""

    class Category(models.TextChoices):
        ORGAN = "organ", "机关单位"
        ENTERPRISE = "enterprise", "企事业单位"
        NEW = "new", "两新组织"
        PROPERTY = "property", "物业党支部"
        BUILDING = "building", "楼宇党支部"

    committee = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="member_units", verbose_name="大党委"
    )
    name = models.CharField("成员单位", max_length=100)
    category = models.CharField("单位类别", max_length=12, choices=Category.choices)
    contact = models.CharField("联络人", max_length=50, blank=True)

    class Meta:
        ordering = ["committee", "category", "name"]
        verbose_name = "大党委成员单位"
        verbose_name_plural = "大党委成员单位"

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """A party member, linked to a person of the register; belongs to one organisation at a time."""

    class Status(models.TextChoices):
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    class WorkStatus(models.TextChoices):
        EMPLOYED = "employed", "在职"
        RETIRED = "retired", "离退休"
        FLOWING = "flowing", "流动党员"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+", verbose_name="人员")
    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="members", verbose_name="所在党组织"
    )
    region_path = PathField(editable=False)
    status = models.CharField("党员类别", max_length=14, choices=Status.choices, default=Status.FULL)
    probation_start = models.DateField("预备期开始", null=True, blank=True)
    probation_end = models.DateField("预备期满", null=True, blank=True)
    work_status = models.CharField("在职状态", max_length=10, choices=WorkStatus.choices, default=WorkStatus.EMPLOYED)
    flowing_to = models.CharField("流动去向", max_length=100, blank=True)
    joined_on = models.DateField("入党日期", null=True, blank=True)
    is_central_household = models.BooleanField("党员中心户", default=False)
    vanguard_post = models.CharField("先锋岗", max_length=50, blank=True)
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_path", "organization", "pk"]
        verbose_name = "党员"
        verbose_name_plural = "党员"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(is_active=True), name="party_member_one_active"
            )
        ]

    def __str__(self) -> str:
        return self.person.name

    def get_absolute_url(self) -> str:
        return reverse("party:partymember_detail", args=[self.pk])


class MemberTransfer(models.Model):
    """A member's move between organisations (组织关系转接): the history stays."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="transfers", verbose_name="党员")
    from_org = models.ForeignKey(
        PartyOrganization, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="转出组织"
    )
    to_org = models.ForeignKey(
        PartyOrganization, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="转入组织"
    )
    on = models.DateField("转接日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    actor = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"


class MeetingCycle(models.Model):
    """How many meetings of a kind an organisation must hold a year (0: not required)."""

    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="cycles", verbose_name="党组织"
    )
    kind = models.CharField("会议类型", max_length=12, choices=MeetingKind.choices)
    per_year = models.PositiveSmallIntegerField("每年应开次数")

    class Meta:
        verbose_name = "组织生活周期"
        verbose_name_plural = "组织生活周期"
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="party_cycle_unique")]


def meeting_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class Meeting(models.Model):
    """One meeting of 三会一课 or a 主题党日: planned, announced, signed into, recorded."""

    class Status(models.TextChoices):
        PLANNED = "planned", "已计划"
        HELD = "held", "已召开"
        CANCELLED = "cancelled", "已取消"

    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="meetings", verbose_name="党组织"
    )
    region_path = PathField(editable=False)
    kind = models.CharField("会议类型", max_length=12, choices=MeetingKind.choices)
    title = models.CharField("会议主题", max_length=120)
    starts_at = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=100, blank=True)
    agenda = models.TextField("议程", blank=True)
    online_allowed = models.BooleanField("允许线上参会（流动党员）", default=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PLANNED)
    code = models.CharField("签到码", max_length=6, default=meeting_code)
    minutes = models.TextField("会议记录", blank=True)
    follow_ups = models.TextField("会后落实事项", blank=True)
    follow_ups_done = models.BooleanField("落实事项已完成", default=False)
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "组织生活会议"
        verbose_name_plural = "组织生活会议"
        indexes = [models.Index(fields=["organization", "kind", "starts_at"], name="party_meeting_org_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("party:partymeeting_detail", args=[self.pk])


class MeetingFile(models.Model):
    """A photo or attachment of a meeting, kept through core.attachments."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files", verbose_name="会议")
    name = models.CharField("文件名", max_length=200)
    key = models.CharField(max_length=300)
    is_photo = models.BooleanField("照片", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "会议附件"
        verbose_name_plural = "会议附件"


class Attendance(models.Model):
    """A member at a meeting: present (by code or marked), online, or absent with a reason."""

    class Status(models.TextChoices):
        PRESENT = "present", "到会"
        ONLINE = "online", "线上参会"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    class Via(models.TextChoices):
        CODE = "code", "签到码"
        SECRETARY = "secretary", "书记登记"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name="会议")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="attendances", verbose_name="党员")
    status = models.CharField("出勤", max_length=10, choices=Status.choices)
    reason = models.CharField("缺席原因", max_length=200, blank=True)
    via = models.CharField("登记方式", max_length=10, choices=Via.choices, default=Via.SECRETARY)
    at = models.DateTimeField("登记时间", auto_now=True)

    class Meta:
        ordering = ["meeting", "member"]
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="party_attendance_unique")]


class Disclosure(models.Model):
    """党务公开: an item published after review, to members only or to all residents of the region."""

    class Audience(models.TextChoices):
        MEMBERS = "members", "仅党员"
        RESIDENTS = "residents", "全体居民"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING = "pending", "待审核"
        PUBLISHED = "published", "已公开"
        REJECTED = "rejected", "已退回"

    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.PROTECT, related_name="disclosures", verbose_name="党组织"
    )
    region_path = PathField(editable=False)
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容")
    audience = models.CharField("公开范围", max_length=10, choices=Audience.choices, default=Audience.MEMBERS)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    reviewer = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "党务公开"
        verbose_name_plural = "党务公开"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("party:partydisclosure_detail", args=[self.pk])


# --- 双报到 and 共建 --------------------------------------------------------------------------------------------


class ReportingUnit(models.Model):
    """A work unit that reports to a community (单位双报到), with its own party organisation's name."""

    name = models.CharField("单位名称", max_length=100)
    unit_party_org = models.CharField("单位党组织", max_length=100, blank=True)
    community = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="报到社区")
    region_path = PathField(editable=False)
    contact = models.CharField("联络人", max_length=50, blank=True)
    reported_on = models.DateField("报到日期", null=True, blank=True)

    class Meta:
        ordering = ["region_path", "name"]
        verbose_name = "报到单位"
        verbose_name_plural = "报到单位"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:partyunit_detail", args=[self.pk])


class Position(models.Model):
    """A position to claim in a community (党建指导员, 便民服务员, 民意收集员, or a custom one) with a quota."""

    community = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    region_path = PathField(editable=False)
    name = models.CharField("岗位", max_length=50)
    duties = models.CharField("岗位职责", max_length=200, blank=True)
    quota = models.PositiveSmallIntegerField("名额")

    class Meta:
        ordering = ["region_path", "name"]
        verbose_name = "服务岗位"
        verbose_name_plural = "服务岗位"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("party:partyposition_detail", args=[self.pk])


class PositionClaim(models.Model):
    """An in-service member who reported to the community (在职党员双报到) holding a position."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="claims", verbose_name="岗位")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="claims", verbose_name="党员")
    unit = models.ForeignKey(
        ReportingUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims", verbose_name="工作单位"
    )
    claimed_on = models.DateField("认领日期")
    # A withdrawn claim (撤销认岗) stays as history; it no longer holds the position nor counts against the quota.
    withdrawn_on = models.DateField("撤销日期", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "认岗"
        verbose_name_plural = "认岗"
        constraints = [
            models.UniqueConstraint(
                fields=["position", "member"], condition=models.Q(withdrawn_on__isnull=True), name="party_claim_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.position}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class Project(models.Model):
    """共建项目书: a unit's yearly project with the community, its progress, evidence, funds and materials."""

    unit = models.ForeignKey(ReportingUnit, on_delete=models.CASCADE, related_name="projects", verbose_name="单位")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("项目", max_length=120)
    agreement = models.CharField("共建协议", max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    evidence = models.TextField("佐证材料", blank=True)
    funds = models.DecimalField("投入资金（元）", max_digits=12, decimal_places=2, default=0)
    materials = models.CharField("投入物资", max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "unit", "pk"]
        verbose_name = "共建项目"
        verbose_name_plural = "共建项目"

    def __str__(self) -> str:
        return f"{self.year}年 · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("party:partyproject_edit", args=[self.pk])


class ProjectFile(models.Model):
    """An evidence attachment of a 共建项目 (photos, the signed agreement), kept through core.attachments."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files", verbose_name="共建项目")
    name = models.CharField("文件名", max_length=200)
    key = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "共建项目佐证"
        verbose_name_plural = "共建项目佐证"


class ServiceRecord(models.Model):
    """What a reported member or unit did for the community: hours, wishes fulfilled, activities."""

    member = models.ForeignKey(
        PartyMember, null=True, blank=True, on_delete=models.CASCADE, related_name="services", verbose_name="党员"
    )
    unit = models.ForeignKey(
        ReportingUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="services", verbose_name="单位"
    )
    on = models.DateField("日期")
    hours = models.DecimalField("服务时长（小时）", max_digits=6, decimal_places=1, default=0)
    wishes = models.PositiveSmallIntegerField("认领微心愿", default=0)
    activity = models.CharField("活动内容", max_length=200)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"

    def __str__(self) -> str:
        who = self.unit.name if self.unit_id else (self.member.person.name if self.member_id else "")
        return f"{self.on} · {who} · {self.activity}"

    def get_absolute_url(self) -> str:
        return reverse("party:partyservice_edit", args=[self.pk])


class Cadre(models.Model):
    """下沉干部: a cadre sent down to a community, with the assignment."""

    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("派出单位", max_length=100)
    community = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="下沉社区")
    region_path = PathField(editable=False)
    assignment = models.CharField("工作任务", max_length=200)
    start = models.DateField("下沉日期")
    end = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        ordering = ["region_path", "name"]
        verbose_name = "下沉干部"
        verbose_name_plural = "下沉干部"


# --- learning and 结对帮扶 ------------------------------------------------------------------------------------


class StudyMaterial(models.Model):
    """Study material assigned to an organisation's members, worth ``hours`` study hours once completed."""

    organization = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="materials", verbose_name="党组织"
    )
    title = models.CharField("学习内容", max_length=120)
    body = models.TextField("正文/链接", blank=True)
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1, default=1)
    due = models.DateField("完成期限", null=True, blank=True)
    # The participation app's learning material behind this one (its study time is what counts), when installed.
    learning_id = models.PositiveBigIntegerField("学习资料编号", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "学习资料"
        verbose_name_plural = "学习资料"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("party:partymaterial_detail", args=[self.pk])


class StudyRecord(models.Model):
    """A member completed a material: the hours count towards the member's yearly total."""

    material = models.ForeignKey(StudyMaterial, on_delete=models.CASCADE, related_name="records")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="study_records")
    completed_at = models.DateTimeField("完成时间")
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = "学习记录"
        verbose_name_plural = "学习记录"
        constraints = [models.UniqueConstraint(fields=["material", "member"], name="party_study_unique")]


class Pairing(models.Model):
    """结对帮扶: a member paired with a household in need; visits record the help given."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="pairings", verbose_name="党员")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="+", verbose_name="帮扶家庭"
    )
    need = models.CharField("困难情况", max_length=200)
    start = models.DateField("结对日期")
    end = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "结对帮扶"
        verbose_name_plural = "结对帮扶"

    def __str__(self) -> str:
        return f"{self.member} · {self.need}"

    def get_absolute_url(self) -> str:
        return reverse("party:partypairing_detail", args=[self.pk])

    @property
    def householder_masked(self) -> str:
        from linli.core.masking import mask_name

        head = self.household.householder
        return mask_name(head.name) if head else "未定户主"


class PairingVisit(models.Model):
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="visits")
    on = models.DateField("走访日期")
    help_given = models.CharField("帮扶内容", max_length=200)
    # The people app's visit log row (走访记录) this visit was written to, when people provides it.
    visit_id = models.PositiveBigIntegerField("走访记录编号", null=True, blank=True, editable=False)
    visitor_name = models.CharField("走访人", max_length=50, blank=True)

    class Meta:
        ordering = ["-on"]
        verbose_name = "帮扶走访"
        verbose_name_plural = "帮扶走访"
