"""Writes on party building: Chinese DomainError messages, one transaction each, audit rows, notices after commit."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from linli.core import attachments, audit, notifications
from linli.core.errors import DomainError
from linli.core.modules import ask, provides
from linli.core.scoping import can, require_in_region
from linli.core.workflow import transition
from linli.party.models import (
    GROUP_KINDS,
    Attendance,
    Cadre,
    Disclosure,
    Meeting,
    MeetingCycle,
    MeetingFile,
    MeetingKind,
    MemberTransfer,
    MemberUnit,
    OrgKind,
    Pairing,
    PairingVisit,
    PartyMember,
    PartyOrganization,
    Position,
    PositionClaim,
    Project,
    ProjectFile,
    ReportingUnit,
    ServiceRecord,
    StudyMaterial,
    StudyRecord,
)


def _require(actor, action: str, obj, what: str) -> None:
    if actor is not None and not can(actor, action, obj):
        raise DomainError(f"{what}：您没有此操作的权限。", field=None, code="forbidden")


# --- organisations -----------------------------------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *, actor, name: str, kind: str, region, parent: PartyOrganization | None = None, **extra
) -> PartyOrganization:
    """Create an organisation on ``region``; a 党小组 needs a branch above it, and sits inside its region."""
    name = (name or "").strip()
    if not name:
        raise DomainError("组织名称：请填写。", field="name")
    if kind not in OrgKind.values:
        raise DomainError("组织类型：请选择。", field="kind")
    if kind in GROUP_KINDS and parent is None:
        raise DomainError("上级组织：党小组须隶属于一个党支部。", field="parent")
    if parent is not None and not region.path.startswith(parent.region_path[: len(parent.region.path)]):
        raise DomainError(f"所在区域：须在上级组织“{parent.name}”所在区域之内。", field="region")
    require_in_region(actor, "partyorg.add", region, "所在区域")
    org = PartyOrganization.objects.create(
        name=name, kind=kind, region=region, region_path=region.path, parent=parent, **extra
    )
    audit.log_change(actor=actor, obj=org, action="create", before=None)
    return org


@transaction.atomic
def member_unit_add(*, actor, committee: PartyOrganization, name: str, category: str, contact: str = "") -> MemberUnit:
    if committee.kind not in (OrgKind.REGIONAL, OrgKind.COMMITTEE):
        raise DomainError("大党委：成员单位只能加入党委或区域化党建大党委。", field="committee")
    if not name.strip():
        raise DomainError("成员单位：请填写名称。", field="name")
    _require(actor, "partyorg.change", committee, "成员单位")
    return MemberUnit.objects.create(committee=committee, name=name.strip(), category=category, contact=contact)


@transaction.atomic
def cycle_set(*, actor, organization: PartyOrganization, kind: str, per_year: int) -> MeetingCycle:
    """Set how many meetings of ``kind`` the organisation must hold a year (0: none required)."""
    if kind not in MeetingKind.values:
        raise DomainError("会议类型：请选择。", field="kind")
    if per_year is None or per_year < 0 or per_year > 52:
        raise DomainError("每年应开次数：须在 0 到 52 之间。", field="per_year")
    _require(actor, "partyorg.change", organization, "组织生活周期")
    cycle, _ = MeetingCycle.objects.update_or_create(
        organization=organization, kind=kind, defaults={"per_year": per_year}
    )
    return cycle


# --- members -----------------------------------------------------------------------------------------------------


def _check_member_fields(status: str, probation_start, probation_end, joined_on) -> None:
    errors = []
    if status == PartyMember.Status.PROBATIONARY:
        if not probation_start:
            errors.append(("probation_start", "预备期开始：预备党员须填写预备期开始日期。"))
        if probation_start and probation_end and probation_end <= probation_start:
            errors.append(("probation_end", "预备期满：须晚于预备期开始日期。"))
    if joined_on and joined_on > timezone.localdate():
        errors.append(("joined_on", "入党日期：不能晚于今天。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)


@transaction.atomic
def member_add(*, actor, person, organization: PartyOrganization, status: str = "full", **extra) -> PartyMember:
    """Register ``person`` as a member of ``organization`` (one active membership per person)."""
    probation_start = extra.get("probation_start")
    if status == PartyMember.Status.PROBATIONARY and probation_start and not extra.get("probation_end"):
        extra["probation_end"] = probation_start.replace(year=probation_start.year + 1)
    _check_member_fields(status, probation_start, extra.get("probation_end"), extra.get("joined_on"))
    _require(actor, "partyorg.change", organization, "所在党组织")
    if PartyMember.objects.filter(person=person, is_active=True).exists():
        raise DomainError(f"人员：{person.name} 已是党员，请用“组织关系转接”调整所在组织。", field="person")
    member = PartyMember.objects.create(
        person=person, organization=organization, region_path=organization.region_path, status=status, **extra
    )
    audit.log_change(actor=actor, obj=member, action="create", before=None)
    return member


@transaction.atomic
def member_transfer(
    *, actor, member: PartyMember, to_org: PartyOrganization, on: dt.date | None = None, reason: str = ""
) -> PartyMember:
    """Move a member to another organisation; the transfer row keeps where they were."""
    if to_org.pk == member.organization_id:
        raise DomainError("转入组织：与当前所在组织相同。", field="to_org")
    if not to_org.is_active:
        raise DomainError(f"转入组织：“{to_org.name}”已撤销。", field="to_org")
    _require(actor, "partymember.change", member, "组织关系转接")
    _require(actor, "partyorg.change", to_org, "转入组织")
    MemberTransfer.objects.create(
        member=member,
        from_org_id=member.organization_id,
        to_org=to_org,
        on=on or timezone.localdate(),
        reason=reason,
        actor=actor if actor and actor.pk else None,
    )
    before = audit.snapshot(member)
    member.organization = to_org
    member.region_path = to_org.region_path
    member.save(update_fields=["organization", "region_path"])
    audit.log_change(actor=actor, obj=member, action="update", before=before)
    return member


UNMASKABLE = {"id_number": ("id_number_enc", "身份证号"), "phone": ("phone_enc", "联系电话")}


def member_unmask(*, actor, member: PartyMember, field: str, reason: str) -> str:
    """Reveal a member's ID number or phone to a party role with a reason; recorded like persons' unmasking.

    Not one transaction on purpose: a refused attempt is recorded and stays recorded."""
    from linli.core import crypto
    from linli.core.models import AuditLog

    if field not in UNMASKABLE:
        raise DomainError("字段：只能查看身份证号或联系电话的明文", field="field")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("事由：请填写查看明文的事由（至少 2 个字）", field="reason")
    column, label = UNMASKABLE[field]
    if not can(actor, "partymember.unmask", member):
        audit.record(
            actor=actor, action=AuditLog.Action.UNMASK, target=member.person, field=label, reason=reason,
            result="denied",
        )  # fmt: skip
        raise DomainError("您没有查看该党员明文信息的权限", field="field", code="forbidden")
    value = crypto.decrypt(getattr(member.person, column)) if getattr(member.person, column) else ""
    audit.record(actor=actor, action=AuditLog.Action.UNMASK, target=member.person, field=label, reason=reason)
    return value


# --- meetings ----------------------------------------------------------------------------------------------------


def _member_users(organization):
    return [
        m.person.user
        for m in PartyMember.objects.filter(
            organization=organization, is_active=True, person__user__isnull=False
        ).select_related("person__user")
    ]


@transaction.atomic
def meeting_plan(
    *,
    actor,
    organization: PartyOrganization,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    place: str = "",
    agenda: str = "",
    online_allowed: bool = True,
) -> Meeting:
    """Plan a meeting and announce it to the organisation's members (inbox, after commit)."""
    errors = []
    if kind not in MeetingKind.values:
        errors.append(("kind", "会议类型：请选择。"))
    if kind == MeetingKind.GROUP and organization.kind not in GROUP_KINDS:
        errors.append(("kind", "会议类型：党小组会由党小组召开，请选择党小组。"))
    if not (title or "").strip():
        errors.append(("title", "会议主题：请填写。"))
    if starts_at is None:
        errors.append(("starts_at", "召开时间：请填写。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    _require(actor, "partyorg.change", organization, "党组织")
    meeting = Meeting.objects.create(
        organization=organization,
        region_path=organization.region_path,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        place=place,
        agenda=agenda,
        online_allowed=online_allowed,
        created_by=actor if actor and actor.pk else None,
    )
    audit.log_change(actor=actor, obj=meeting, action="create", before=None)
    transaction.on_commit(lambda: _announce(meeting.pk))
    return meeting


def _announce(meeting_pk: int, cancelled: bool = False) -> None:
    """Tell the organisation's members of a planned meeting, or that it was cancelled (with the reason)."""
    meeting = Meeting.objects.select_related("organization").get(pk=meeting_pk)
    when = timezone.localtime(meeting.starts_at).strftime("%m月%d日 %H:%M")
    kind = meeting.get_kind_display()
    if cancelled:
        title, body = f"会议取消：{meeting.title}", f"原定{when}召开的{kind}已取消。原因：{meeting.cancel_reason}"
    else:
        title = f"{kind}通知：{meeting.title}"
        body = f"{meeting.organization.name}将于{when}在{meeting.place or '待定地点'}召开{kind}。"
    notifications.inbox(_member_users(meeting.organization), target=meeting, kind="party_meeting", title=title,
                        body=body, url=reverse("party:my_meeting", args=[meeting.pk]))  # fmt: skip


def _member_of(user, meeting: Meeting) -> PartyMember:
    member = PartyMember.objects.filter(
        person__user=user, is_active=True, organization_id=meeting.organization_id
    ).first()
    if member is None:
        raise DomainError("您不是该党组织的党员，不能签到。", code="forbidden")
    return member


@transaction.atomic
def meeting_checkin(*, user, meeting: Meeting, code: str, online: bool = False) -> Attendance:
    """A member signs into a meeting with its code (shown as a QR code at the meeting); 流动党员 may attend online."""
    member = _member_of(user, meeting)
    if meeting.status == Meeting.Status.CANCELLED:
        raise DomainError("该会议已取消，无需签到。", field="code")
    if meeting.status == Meeting.Status.HELD:
        raise DomainError("该会议已结束并归档，不能再签到，请联系支部书记。", field="code")
    if (code or "").strip() != meeting.code:
        raise DomainError("签到码：不正确，请核对会场显示的6位签到码。", field="code")
    if timezone.localdate(meeting.starts_at) != timezone.localdate():
        raise DomainError(
            f"签到码：只能在会议当天（{timezone.localtime(meeting.starts_at):%Y年%m月%d日}）签到。", field="code"
        )
    if online and not (meeting.online_allowed and member.work_status == PartyMember.WorkStatus.FLOWING):
        raise DomainError("线上参会：仅流动党员在允许线上参会的会议中可线上签到。", field="online")
    status = Attendance.Status.ONLINE if online else Attendance.Status.PRESENT
    attendance, _ = Attendance.objects.update_or_create(
        meeting=meeting, member=member, defaults={"status": status, "reason": "", "via": Attendance.Via.CODE}
    )
    return attendance


@transaction.atomic
def attendance_mark(*, actor, meeting: Meeting, member: PartyMember, status: str, reason: str = "") -> Attendance:
    """The secretary records a member's attendance; an absence or a leave needs a reason."""
    if status not in Attendance.Status.values:
        raise DomainError("出勤：请选择。", field="status")
    if member.organization_id != meeting.organization_id:
        raise DomainError(f"党员：{member.person.name} 不属于{meeting.organization.name}。", field="member")
    if meeting.status == Meeting.Status.CANCELLED:
        raise DomainError("出勤：该会议已取消，不能登记出勤。", field="status")
    if status == Attendance.Status.LEAVE and not reason.strip():
        raise DomainError(f"缺席原因：{member.person.name} 请假，请填写原因。", field="reason")
    _require(actor, "partymeeting.change", meeting, "出勤登记")
    attendance, _ = Attendance.objects.update_or_create(
        meeting=meeting,
        member=member,
        defaults={"status": status, "reason": reason.strip(), "via": Attendance.Via.SECRETARY},
    )
    return attendance


@transaction.atomic
def meeting_record(
    *, actor, meeting: Meeting, minutes: str, follow_ups: str = "", follow_ups_done: bool = False
) -> Meeting:
    """Record the minutes and close the meeting as held; members without a mark count as absent."""
    if not (minutes or "").strip():
        raise DomainError("会议记录：请填写会议记录后再归档。", field="minutes")
    if meeting.starts_at > timezone.now():
        raise DomainError("会议记录：会议尚未召开，不能归档。", field="minutes")
    _require(actor, "partymeeting.change", meeting, "会议记录")
    before = audit.snapshot(meeting)
    if meeting.status == Meeting.Status.HELD:  # correcting the minutes of an archived meeting
        Meeting.objects.filter(pk=meeting.pk).update(
            minutes=minutes.strip(), follow_ups=follow_ups, follow_ups_done=follow_ups_done
        )
        meeting.refresh_from_db()
    else:
        transition(
            meeting,
            to=Meeting.Status.HELD,
            allowed_from=(Meeting.Status.PLANNED,),
            version_field="version",
            conflict=lambda m: "该会议刚刚已被他人归档或取消，请刷新后重试。",
            minutes=minutes.strip(),
            follow_ups=follow_ups,
            follow_ups_done=follow_ups_done,
        )
        marked = meeting.attendances.values("member_id")
        Attendance.objects.bulk_create(
            [
                Attendance(meeting=meeting, member=m, status=Attendance.Status.ABSENT, reason="未说明")
                for m in PartyMember.objects.filter(organization_id=meeting.organization_id, is_active=True).exclude(
                    pk__in=marked
                )
            ]
        )
    audit.log_change(actor=actor, obj=meeting, action="update", before=before)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a planned meeting with a reason; the members who were told of it are told it is off."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("取消原因：请写明取消原因（至少 2 个字）。", field="reason")
    _require(actor, "partymeeting.change", meeting, "取消会议")
    before = audit.snapshot(meeting)
    meeting = transition(
        meeting,
        to=Meeting.Status.CANCELLED,
        allowed_from=(Meeting.Status.PLANNED,),
        version_field="version",
        conflict="只有计划中的会议可以取消（该会议已召开或已取消）。",
        cancel_reason=reason[:200],
    )
    audit.log_change(actor=actor, obj=meeting, action="update", before=before)
    transaction.on_commit(lambda: _announce(meeting.pk, cancelled=True))
    return meeting


PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".webp")
MAX_FILE = 20 * 1024 * 1024


@transaction.atomic
def meeting_add_file(*, actor, meeting: Meeting, name: str, content: bytes) -> MeetingFile:
    """Keep a photo or an attachment of the meeting (local storage or S3, through core.attachments)."""
    if not content:
        raise DomainError("附件：文件为空。", field="file")
    if len(content) > MAX_FILE:
        raise DomainError("附件：单个文件不能超过 20MB。", field="file")
    _require(actor, "partymeeting.change", meeting, "会议附件")
    is_photo = name.lower().endswith(PHOTO_TYPES)
    safe = "".join(c for c in name if c.isalnum() or c in "._-")[-80:] or "file"
    key = attachments.save(f"party/meetings/{meeting.pk}/{timezone.now():%Y%m%d%H%M%S%f}-{safe}", content)
    f = MeetingFile.objects.create(meeting=meeting, name=name[:200], key=key, is_photo=is_photo)
    return f


# --- 党务公开 ----------------------------------------------------------------------------------------------------


@transaction.atomic
def disclosure_create(*, actor, organization, title: str, body: str, audience: str) -> Disclosure:
    errors = []
    if not (title or "").strip():
        errors.append(("title", "标题：请填写。"))
    if not (body or "").strip():
        errors.append(("body", "内容：请填写。"))
    if audience not in Disclosure.Audience.values:
        errors.append(("audience", "公开范围：请选择。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    _require(actor, "partyorg.change", organization, "党组织")
    return Disclosure.objects.create(
        organization=organization,
        region_path=organization.region_path,
        title=title.strip(),
        body=body.strip(),
        audience=audience,
        status=Disclosure.Status.PENDING,
        author=actor if actor and actor.pk else None,
    )


@transaction.atomic
def disclosure_review(*, actor, disclosure: Disclosure, approve: bool, note: str = "") -> Disclosure:
    """A reviewer other than the author publishes the item or sends it back with a note."""
    if not can(actor, "partydisclosure.review", disclosure):
        raise DomainError("您没有审核党务公开的权限。", code="forbidden")
    if disclosure.author_id and disclosure.author_id == actor.pk:
        raise DomainError("审核：不能审核自己提交的公开事项，请由组织部或上级党组织审核。", code="forbidden")
    if not approve and not note.strip():
        raise DomainError("审核意见：退回时请写明原因。", field="review_note")
    fields = {"reviewer": actor, "review_note": note.strip()}
    if approve:
        fields["published_at"] = timezone.now()
    disclosure = transition(
        disclosure,
        to=Disclosure.Status.PUBLISHED if approve else Disclosure.Status.REJECTED,
        allowed_from=(Disclosure.Status.PENDING,),
        conflict="该事项刚刚已被他人审核，请刷新后查看。",
        **fields,
    )
    audit.log_change(actor=actor, obj=disclosure, action="update", before=None)
    return disclosure


@transaction.atomic
def disclosure_resubmit(*, actor, disclosure: Disclosure, title: str, body: str) -> Disclosure:
    """The author (or another secretary of the organisation) fixes a sent-back item and sends it to review again."""
    errors = []
    if not (title or "").strip():
        errors.append(("title", "标题：请填写。"))
    if not (body or "").strip():
        errors.append(("body", "内容：请填写。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    _require(actor, "partydisclosure.change", disclosure, "党务公开")
    before = audit.snapshot(disclosure)
    disclosure = transition(
        disclosure,
        to=Disclosure.Status.PENDING,
        allowed_from=(Disclosure.Status.REJECTED, Disclosure.Status.DRAFT),
        conflict="只有被退回的事项可以修改后重新提交。",
        title=title.strip()[:120],
        body=body.strip(),
    )
    audit.log_change(actor=actor, obj=disclosure, action="update", before=before)
    return disclosure


# --- 双报到 and 共建 ---------------------------------------------------------------------------------------------


@transaction.atomic
def unit_register(*, actor, name: str, community, unit_party_org: str = "", contact: str = "", reported_on=None):
    if not (name or "").strip():
        raise DomainError("单位名称：请填写。", field="name")
    require_in_region(actor, "partyunit.add", community, "报到社区")
    return ReportingUnit.objects.create(
        name=name.strip(),
        community=community,
        region_path=community.path,
        unit_party_org=unit_party_org,
        contact=contact,
        reported_on=reported_on or timezone.localdate(),
    )


@transaction.atomic
def position_create(*, actor, community, name: str, quota: int, duties: str = "") -> Position:
    if not (name or "").strip():
        raise DomainError("岗位：请填写名称。", field="name")
    if not quota or quota < 1:
        raise DomainError("名额：至少为 1。", field="quota")
    require_in_region(actor, "partyposition.add", community, "社区")
    return Position.objects.create(
        community=community, region_path=community.path, name=name.strip(), quota=quota, duties=duties
    )


@transaction.atomic
def position_claim(
    *, actor, position: Position, member: PartyMember, unit: ReportingUnit | None = None
) -> PositionClaim:
    """An in-service member takes a position, within its quota (the row lock keeps two claims from both winning)."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    current = position.claims.filter(withdrawn_on__isnull=True)
    if current.filter(member=member).exists():
        raise DomainError(f"认岗：{member.person.name} 已认领“{position.name}”。", field="member")
    if current.count() >= position.quota:
        raise DomainError(f"认岗：“{position.name}”名额（{position.quota}）已满。", field="position")
    if actor is not None and not (can(actor, "partyposition.change", position) or member.person.user_id == actor.pk):
        raise DomainError("认岗：您没有此操作的权限。", code="forbidden")
    if not member.is_active or not member.region_path.startswith(position.region_path):
        raise DomainError(f"认岗：“{position.name}”不在{member.person.name}所在党组织的社区。", field="position")
    if unit is not None and unit.community_id != position.community_id:
        raise DomainError(f"工作单位：“{unit.name}”不是向该社区报到的单位。", field="unit")
    return PositionClaim.objects.create(position=position, member=member, unit=unit, claimed_on=timezone.localdate())


def _ending(reason: str, on: dt.date | None, *, since: dt.date, verb: str, started: str, field: str):
    """Check the reason and date of ending something that began on ``since`` (a claim withdrawn, a pairing
    ended): a reason of two characters at least, a date between ``since`` and today. Every error at once."""
    reason = (reason or "").strip()
    on = on or timezone.localdate()
    errors = []
    if len(reason) < 2:
        errors.append(("reason", f"{verb}原因：请写明（至少 2 个字）。"))
    if on < since:
        errors.append((field, f"{verb}日期：不能早于{started}（{since}）。"))
    elif on > timezone.localdate():
        errors.append((field, f"{verb}日期：不能晚于今天。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    return reason, on


@transaction.atomic
def position_withdraw(*, actor, claim: PositionClaim, reason: str, on: dt.date | None = None) -> PositionClaim:
    """Withdraw a claim (撤销认岗: the member changed jobs, moved, can no longer serve): the place frees up for
    someone else, the claim stays as history with its date and reason, and the move is audited."""
    reason, on = _ending(reason, on, since=claim.claimed_on, verb="撤销", started="认领日期", field="on")
    if actor is not None and not (
        can(actor, "partyposition.change", claim.position) or claim.member.person.user_id == actor.pk
    ):
        raise DomainError("撤销认岗：您没有此操作的权限。", code="forbidden")
    before = audit.snapshot(claim)
    if not PositionClaim.objects.filter(pk=claim.pk, withdrawn_on__isnull=True).update(
        withdrawn_on=on, withdraw_reason=reason[:200]
    ):
        raise DomainError("该认岗已经撤销，请刷新后查看。", field="reason")
    claim.refresh_from_db()
    audit.log_change(actor=actor, obj=claim, action="update", before=before)
    audit.record(
        actor=actor, action="other", target=claim, field="双报到·撤销认岗", reason=reason[:200],
        extra={"position": claim.position_id, "member": claim.member_id, "on": on.isoformat()},
    )  # fmt: skip
    if actor is not None and claim.member.person.user_id == actor.pk:
        _tell_secretaries_of_withdrawal(claim, reason)
    return claim


def _tell_secretaries_of_withdrawal(claim: PositionClaim, reason: str) -> None:
    """A member withdrew their own claim: the community's party secretaries learn that a place is free again."""
    from django.db.models import Q

    from linli.core.models import Grant
    from linli.core.roles import Role

    path = claim.position.region_path
    grants = Grant.objects.filter(role=Role.PARTY_SECRETARY, user__is_active=True, region__isnull=False).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=timezone.now())
    )
    users = {g.user_id: g.user for g in grants.select_related("user", "region") if path.startswith(g.region.path)}
    notifications.inbox(
        list(users.values()), target=claim.position, kind="party_position",
        title=f"{claim.member.person.name}撤销了认岗：{claim.position.name}",
        body=f"原因：{reason[:100]}。该岗位空出一个名额。", url=claim.position.get_absolute_url(),
    )  # fmt: skip


@transaction.atomic
def project_save(*, actor, unit: ReportingUnit, year: int, title: str, progress: int = 0, **extra) -> Project:
    if not (title or "").strip():
        raise DomainError("项目：请填写名称。", field="title")
    if progress < 0 or progress > 100:
        raise DomainError("进度：须在 0 到 100 之间。", field="progress")
    if extra.get("funds") is not None and Decimal(extra["funds"]) < 0:
        raise DomainError("投入资金：不能为负数。", field="funds")
    if not year or year < 2000 or year > 2100:
        raise DomainError("年度：请填写 2000 到 2100 之间的年份。", field="year")
    _require(actor, "partyunit.change", unit, "共建项目")
    project = Project.objects.create(unit=unit, year=year, title=title.strip(), progress=progress, **extra)
    audit.log_change(actor=actor, obj=project, action="create", before=None)
    return project


@transaction.atomic
def project_update(
    *, actor, project: Project, progress: int, evidence: str = "", funds=None, materials: str = ""
) -> Project:
    """Move a project on: its progress, what proves it, the funds and materials given so far."""
    errors = []
    if progress is None or progress < 0 or progress > 100:
        errors.append(("progress", "进度：须在 0 到 100 之间。"))
    if funds is not None and Decimal(funds) < 0:
        errors.append(("funds", "投入资金：不能为负数。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    _require(actor, "partyunit.change", project.unit, "共建项目")
    before = audit.snapshot(project)
    project.progress, project.evidence, project.materials = progress, (evidence or "").strip(), materials.strip()
    fields = ["progress", "evidence", "materials"]
    if funds is not None:
        project.funds = Decimal(funds)
        fields.append("funds")
    project.save(update_fields=fields)
    audit.log_change(actor=actor, obj=project, action="update", before=before)
    return project


@transaction.atomic
def project_add_file(*, actor, project: Project, name: str, content: bytes) -> ProjectFile:
    """Keep an evidence file of a 共建项目 (photos, the signed 共建协议)."""
    if not content:
        raise DomainError("佐证材料：文件为空。", field="file")
    if len(content) > MAX_FILE:
        raise DomainError("佐证材料：单个文件不能超过 20MB。", field="file")
    _require(actor, "partyunit.change", project.unit, "共建项目")
    safe = "".join(c for c in name if c.isalnum() or c in "._-")[-80:] or "file"
    key = attachments.save(f"party/projects/{project.pk}/{timezone.now():%Y%m%d%H%M%S%f}-{safe}", content)
    return ProjectFile.objects.create(project=project, name=name[:200], key=key)


@transaction.atomic
def service_add(*, actor, on: dt.date, activity: str, hours=0, wishes: int = 0, member=None, unit=None):
    if (member is None) == (unit is None):
        raise DomainError("服务记录：请选择党员或单位之一。", field="member")
    if not (activity or "").strip():
        raise DomainError("活动内容：请填写。", field="activity")
    if Decimal(hours) < 0 or Decimal(hours) > 24:
        raise DomainError("服务时长：须在 0 到 24 小时之间。", field="hours")
    if wishes is None or wishes < 0:
        raise DomainError("认领微心愿：不能为负数。", field="wishes")
    if on > timezone.localdate():
        raise DomainError("日期：不能晚于今天。", field="on")
    if member is not None:
        _require(actor, "partymember.change", member, "服务记录")
    else:
        _require(actor, "partyunit.change", unit, "服务记录")
    record = ServiceRecord.objects.create(
        member=member, unit=unit, on=on, activity=activity.strip(), hours=hours, wishes=wishes
    )
    audit.log_change(actor=actor, obj=record, action="create", before=None)
    return record


def _service_checks(*, on, activity: str, hours, wishes) -> None:
    errors = []
    if not (activity or "").strip():
        errors.append(("activity", "活动内容：请填写。"))
    if hours is None or Decimal(hours) < 0 or Decimal(hours) > 24:
        errors.append(("hours", "服务时长：须在 0 到 24 小时之间。"))
    if wishes is None or wishes < 0:
        errors.append(("wishes", "认领微心愿：不能为负数。"))
    if on is None:
        errors.append(("on", "日期：请填写。"))
    elif on > timezone.localdate():
        errors.append(("on", "日期：不能晚于今天。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)


def _require_service(actor, record: ServiceRecord, what: str) -> None:
    if record.member_id:
        _require(actor, "partymember.change", record.member, what)
    else:
        _require(actor, "partyunit.change", record.unit, what)


@transaction.atomic
def service_update(
    *, actor, record: ServiceRecord, on: dt.date, activity: str, hours, wishes: int, reason: str
) -> ServiceRecord:
    """Correct a service record (wrong date, hours, count of wishes); the reason and the before/after are audited,
    and the half-year report counts the corrected figures."""
    _service_checks(on=on, activity=activity, hours=hours, wishes=wishes)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("更正原因：请写明（至少 2 个字）。", field="reason")
    _require_service(actor, record, "更正服务记录")
    before = audit.snapshot(record)
    record.on, record.activity, record.wishes = on, activity.strip(), wishes
    record.hours = Decimal(hours).quantize(Decimal("0.1"))
    record.save(update_fields=["on", "activity", "hours", "wishes"])
    audit.log_change(actor=actor, obj=record, action="update", before=before)
    audit.record(actor=actor, action="other", target=record, field="双报到·更正服务记录", reason=reason[:200])
    return record


@transaction.atomic
def service_delete(*, actor, record: ServiceRecord, reason: str) -> None:
    """Delete a service record entered by mistake (a duplicate, the wrong member); the row is kept in the audit
    trail (before, who, when, why)."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError("删除原因：请写明（至少 2 个字）。", field="reason")
    _require_service(actor, record, "删除服务记录")
    before = audit.snapshot(record)
    audit.log_change(actor=actor, obj=record, action="delete", before=before)
    audit.record(
        actor=actor, action="other", target=record, field="双报到·删除服务记录", reason=reason[:200],
        extra={"record": before},
    )  # fmt: skip
    record.delete()


@transaction.atomic
def cadre_add(
    *, actor, name: str, unit: str, community, assignment: str, start: dt.date, end: dt.date | None = None
) -> Cadre:
    errors = []
    if not (name or "").strip():
        errors.append(("name", "姓名：请填写。"))
    if not (unit or "").strip():
        errors.append(("unit", "派出单位：请填写。"))
    if not (assignment or "").strip():
        errors.append(("assignment", "工作任务：请填写。"))
    if end and start and end < start:
        errors.append(("end", "结束日期：不能早于下沉日期。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    require_in_region(actor, "partycadre.add", community, "下沉社区")
    return Cadre.objects.create(
        name=name.strip(),
        unit=unit.strip(),
        community=community,
        region_path=community.path,
        assignment=assignment.strip(),
        start=start,
        end=end,
    )


# --- learning and 结对帮扶 -----------------------------------------------------------------------------------------


@transaction.atomic
def material_assign(*, actor, organization, title: str, hours, body: str = "", due=None) -> StudyMaterial:
    """Assign study material to the organisation's active members.

    With the participation app installed the material is also one of its learning materials for exactly these
    members (``ask("learning.assign")``): they study it in 学习园地 and the time they spend is what counts.
    Without it, a member marks it done and its hours count once."""
    errors = []
    if not (title or "").strip():
        errors.append(("title", "学习内容：请填写标题。"))
    if hours is None or Decimal(hours) <= 0 or Decimal(hours) > 10:
        errors.append(("hours", "学时：须大于 0，且不超过 10 学时。"))
    if due and due < timezone.localdate():
        errors.append(("due", "完成期限：不能早于今天。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    _require(actor, "partyorg.change", organization, "学习资料")
    material = StudyMaterial.objects.create(
        organization=organization, title=title.strip(), hours=hours, body=body, due=due
    )
    person_ids = list(
        PartyMember.objects.filter(organization=organization, is_active=True).values_list("person_id", flat=True)
    )
    learning_id = ask(
        "learning.assign",
        author=actor if actor and actor.pk else None,
        region=organization.region,
        title=material.title,
        body=body,
        minutes_required=int(Decimal(hours) * 60),
        person_ids=person_ids,
        label=f"{organization.name}党员",
    )
    if learning_id:
        StudyMaterial.objects.filter(pk=material.pk).update(learning_id=learning_id)
        material.learning_id = learning_id
    audit.log_change(actor=actor, obj=material, action="create", before=None)
    return material


@transaction.atomic
def study_complete(*, user, material: StudyMaterial) -> StudyRecord:
    member = PartyMember.objects.filter(
        person__user=user, is_active=True, organization=material.organization_id
    ).first()
    if member is None:
        raise DomainError("该学习内容不是布置给您所在党组织的。", code="forbidden")
    if material.learning_id and provides("learning.study_seconds"):
        raise DomainError("该学习内容请在“学习园地”中学习，学习时长自动计入学时。", field="material")
    record, _ = StudyRecord.objects.get_or_create(
        material=material, member=member, defaults={"completed_at": timezone.now(), "hours": material.hours}
    )
    return record


@transaction.atomic
def pairing_create(*, actor, member: PartyMember, household, need: str, start=None) -> Pairing:
    """Pair a member with a household in need of the same area (结对帮扶 / 一对一)."""
    from linli.core.scoping import grant_reach

    if household is None:
        raise DomainError("帮扶家庭：人口库中没有该户，请先由社区工作人员登记。", field="household")
    if not (need or "").strip():
        raise DomainError("困难情况：请填写。", field="need")
    if start and start > timezone.localdate():
        raise DomainError("结对日期：不能晚于今天。", field="start")
    _require(actor, "partymember.change", member, "结对帮扶")
    if actor is not None and not grant_reach(actor, "partymember.change").covers_path(household.region_path or ""):
        raise DomainError("帮扶家庭：不在您负责的区域内。", field="household", code="forbidden")
    if Pairing.objects.filter(member=member, household=household).exists():
        raise DomainError(f"帮扶家庭：{member.person.name} 已与该户结对。", field="household")
    pairing = Pairing.objects.create(
        member=member, household=household, need=need.strip()[:200], start=start or timezone.localdate()
    )
    audit.log_change(actor=actor, obj=pairing, action="create", before=None)
    return pairing


@transaction.atomic
def pairing_end(*, actor, pairing: Pairing, on: dt.date | None = None, reason: str) -> Pairing:
    """End a pairing (the household is out of difficulty, moved away, the member transferred); its visits stay."""
    reason, on = _ending(reason, on, since=pairing.start, verb="结束", started="结对日期", field="end")
    _require(actor, "partymember.change", pairing.member, "结束结对")
    before = audit.snapshot(pairing)
    if not Pairing.objects.filter(pk=pairing.pk, end__isnull=True).update(end=on, end_reason=reason[:200]):
        raise DomainError("该结对已经结束，请刷新后查看。", field="reason")
    pairing.refresh_from_db()
    audit.log_change(actor=actor, obj=pairing, action="update", before=before)
    return pairing


@transaction.atomic
def pairing_visit(*, actor, pairing: Pairing, on: dt.date, help_given: str) -> PairingVisit:
    """Record a visit to the paired household and the help given.

    The visit goes into the people app's visit log (``ask("people.record_visit")``), the one grid workers keep,
    so the household's history is in one place; the pairing keeps the visit's id and the help given."""
    help_given = (help_given or "").strip()
    errors = []
    if pairing.end is not None:
        errors.append(("on", f"走访日期：该结对已于 {pairing.end} 结束，不能再记录走访。"))
    if len(help_given) < 2:
        errors.append(("help_given", "帮扶内容：请写明做了什么（至少 2 个字）。"))
    if on is None:
        errors.append(("on", "走访日期：请填写。"))
    elif on > timezone.localdate():
        errors.append(("on", "走访日期：不能晚于今天。"))
    elif on < pairing.start:
        errors.append(("on", f"走访日期：不能早于结对日期（{pairing.start}）。"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    _require(actor, "partymember.change", pairing.member, "帮扶走访")
    visitor = f"{pairing.member.person.name}（结对党员）"
    try:
        visit_id = ask(
            "people.record_visit",
            household=pairing.household,
            visited_on=on,
            notes=f"结对帮扶：{help_given}",
            visitor_name=visitor,
        )
    except DomainError as exc:  # the visit log's own rules (how far back a visit may be entered, an address)
        raise DomainError(exc.message, field="on" if exc.field == "visited_on" else "help_given") from None
    return PairingVisit.objects.create(
        pairing=pairing, on=on, help_given=help_given[:200], visit_id=visit_id, visitor_name=visitor[:50]
    )


def default_cycles_for(organization: PartyOrganization) -> dict[str, int]:
    """The regulations' default cycle of an organisation's kind (the demo and new branches start from it)."""
    from linli.party.models import default_cycles

    return default_cycles(organization.kind)
