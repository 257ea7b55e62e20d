"""Writes of 业主表决: create (freezing the electorate), cast a ballot, close, extend, remind.

Every function checks the actor's reach, validates everything first with Chinese messages naming the field,
and writes in one transaction. A second ballot for a unit loses on the database's unique constraint and gets a
ConflictError (409), also when two arrive at the same moment.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from linli.core import audit, notifications
from linli.core.errors import ConflictError, DomainError
from linli.core.models import ObjectChange, User
from linli.core.scoping import allows_in_region, require_in_region
from linli.core.workflow import transition
from linli.housing.models import Compound, House
from linli.participation.notices.services import publish_notice
from linli.participation.votes import tally
from linli.participation.votes.models import MATTERS, Ballot, ElectorUnit, OwnerVote, OwnerVoteItem, Turnout
from linli.people.models import Person
from linli.people.ownership import owners_at

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed back by the elderly
CHANNEL_LABELS = dict(Turnout.Channel.choices)

notifications.register_templates(
    {
        "ownervote_reminder": "您所在小区的业主表决（{title}）尚未收到您的投票，截止时间{deadline}。",
        "ownervote_extended": "业主表决（{title}）投票期限延长至{deadline}。",
        "ownervote_result": "业主表决（{title}）已结束，结果已公告。",
    }
)


# ---------------------------------------------------------------- creating: the electorate, frozen


def _holder_identity(house: House, owners) -> tuple[tuple, str, bool, list[int]]:
    """(identity, label, developer, person ids) of one unit's owner(s) on the notice date.

    One buyer of several units has the same identity on each (counts once); co-owners of one unit together are
    one owner; every unsold unit of one developer has the developer's identity (counts as one); a unit without a
    registered owner is one owner of its own.
    """
    if not owners:
        return ("house", house.pk), "未登记产权人", False, []
    if any(o.developer for o in owners):
        dev = next(o for o in owners if o.developer)
        return ("developer", dev.entity_id), f"{dev.entity.name}（开发建设单位）", True, []
    identity = tuple(sorted(("p", o.person_id) if o.person_id else ("e", o.entity_id) for o in owners))
    label = "、".join(_masked_name(o) for o in owners)
    return identity, label, False, [o.person_id for o in owners if o.person_id]


def _masked_name(ownership) -> str:
    if ownership.person_id:
        name = ownership.person.name
        return name[0] + "*" * max(len(name) - 1, 1)
    return ownership.entity.name


def electorate_rows(compound: Compound, on: dt.date) -> list[dict]:
    """The units of ``compound`` with their area and owner on ``on``; refuses units without a registered area."""
    houses = list(House.objects.filter(building__compound=compound).select_related("building", "unit").order_by("pk"))
    if not houses:
        raise DomainError(f"小区：“{compound.name}”没有登记房屋，无法确定表决权人", field="compound")
    missing = [h for h in houses if h.area is None]
    if missing:
        shown = "、".join(h.short_address for h in missing[:10])
        more = f"等 {len(missing)} 套" if len(missing) > 10 else ""
        raise DomainError(
            f"小区：以下房屋未登记建筑面积，无法计算表决权：{shown}{more}。请先在房屋信息中补全面积。", field="compound"
        )
    owners = owners_at([h.pk for h in houses], on)
    keys: dict[tuple, str] = {}
    rows = []
    for house in houses:
        identity, label, developer, person_ids = _holder_identity(house, owners.get(house.pk, []))
        key = keys.setdefault(identity, f"O{len(keys) + 1}")
        rows.append(
            {
                "house": house,
                "area": house.area,
                "owner_key": key,
                "owner_label": label[:120],
                "developer": developer,
                "person_ids": "," + ",".join(str(p) for p in person_ids) + "," if person_ids else "",
            }
        )
    return rows


def _clean_items(items) -> list[tuple[str, int]]:
    if not isinstance(items, list) or not items:
        raise DomainError("表决事项：至少填写一项", field="items")
    if len(items) > 50:
        raise DomainError("表决事项：一次表决最多 50 项", field="items")
    out = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise DomainError(f"表决事项：第 {n} 项格式不正确", field="items")
        title = str(item.get("title") or "").strip()
        matter = item.get("matter")
        if not title:
            raise DomainError(f"表决事项：第 {n} 项未填写事项名称", field="items")
        if len(title) > 200:
            raise DomainError(f"表决事项：第 {n} 项名称超过 200 字", field="items")
        if isinstance(matter, bool) or not isinstance(matter, int) or matter not in MATTERS:
            raise DomainError(f"表决事项：第 {n} 项的事项类别应为 1–9（民法典第二百七十八条）", field="items")
        out.append((title, matter))
    return out


@transaction.atomic
def vote_create(
    *,
    actor: User | None,
    compound: Compound,
    title: str,
    items: list,
    notice_date: dt.date | None = None,
    deadline: dt.datetime | None = None,
    secret: bool = True,
) -> OwnerVote:
    """Open a vote of ``compound``'s owners; the electorate is the register on ``notice_date`` (today), frozen."""
    require_in_region(actor, "ownervote.add", compound.community, "小区")
    title = (title or "").strip()
    if not title:
        raise DomainError("表决名称：请填写", field="title")
    if len(title) > 200:
        raise DomainError("表决名称：不超过 200 字", field="title")
    cleaned = _clean_items(items)
    notice_date = notice_date or timezone.localdate()
    if deadline is not None and deadline <= timezone.now():
        raise DomainError("截止时间：应晚于现在", field="deadline")
    rows = electorate_rows(compound, notice_date)
    vote = OwnerVote.objects.create(
        compound=compound,
        title=title,
        notice_date=notice_date,
        deadline=deadline,
        secret=secret,
        region_path=compound.region_path,
        created_by=actor if actor and actor.pk else None,
        units=len(rows),
        area=sum((r["area"] for r in rows), Decimal(0)),
        owners=len({r["owner_key"] for r in rows}),
    )
    OwnerVoteItem.objects.bulk_create(
        OwnerVoteItem(vote=vote, index=i, title=t, matter=m) for i, (t, m) in enumerate(cleaned)
    )
    ElectorUnit.objects.bulk_create(ElectorUnit(vote=vote, **r) for r in rows)
    audit.log_change(actor=actor, obj=vote, action=ObjectChange.Action.CREATE, before=None)
    return vote


# ---------------------------------------------------------------- ballots


def receipt_digest(vote_id: int, code: str) -> str:
    return hashlib.sha256(f"{vote_id}:{normalise_receipt(code)}".encode()).hexdigest()


def normalise_receipt(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def _new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def owner_token(vote_id: int, owner_key: str) -> str:
    """The owner's mark on a ballot: the same for all their units, not the key the electorate list shows."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"ownervote:{vote_id}:{owner_key}".encode(), hashlib.sha256).hexdigest()[:32]


def clean_choices(vote: OwnerVote, choices) -> tuple[str, ...]:
    """[{"item": 0, "choice": "yes"}, …] covering every item once → ("yes", …) in item order."""
    count = vote.items.count()
    if not isinstance(choices, list) or not choices:
        raise DomainError("选择：请对每一项表决事项作出选择", field="choices")
    picked: dict[int, str] = {}
    for n, entry in enumerate(choices, start=1):
        if not isinstance(entry, dict):
            raise DomainError(f"选择：第 {n} 条格式不正确", field="choices")
        item, choice = entry.get("item"), entry.get("choice")
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < count:
            raise DomainError(f"选择：第 {n} 条的事项序号“{item}”不存在（应为 0–{count - 1}）", field="choices")
        if choice not in tally.CHOICES:
            raise DomainError(f"选择：第 {n} 条的意见“{choice}”无效，应为同意、反对或弃权", field="choices")
        if item in picked:
            raise DomainError(f"选择：事项 {item} 重复作出选择", field="choices")
        picked[item] = choice
    missing = [str(i) for i in range(count) if i not in picked]
    if missing:
        raise DomainError(f"选择：事项 {'、'.join(missing)} 未作出选择", field="choices")
    return tuple(picked[i] for i in range(count))


def _check_channel(actor: User | None, vote: OwnerVote, unit: ElectorUnit, channel: str) -> None:
    if channel not in CHANNEL_LABELS:
        raise DomainError(
            f"投票方式：“{channel}”无效，应为 app（居民端）、paper（纸质票）或 assisted（协助投票）", field="channel"
        )
    if actor is None:
        return
    if channel == Turnout.Channel.APP:
        person = Person.objects.filter(user=actor).values_list("pk", flat=True).first()
        if person is None or f",{person}," not in unit.person_ids:
            raise DomainError("房屋：您不是该房屋在公告日登记的产权人，不能为其投票", field="house", code="forbidden")
        return
    if not allows_in_region(actor, "ownervote.ballot", vote.compound.community):
        raise DomainError("投票方式：您没有录入纸质票或协助投票的权限", field="channel", code="forbidden")


@transaction.atomic
def ballot_cast(
    *,
    actor: User | None,
    vote: OwnerVote,
    house_id: int,
    choices,
    channel: str,
    assisted_by: User | None = None,
) -> str:
    """Count one unit's ballot and return the receipt code (shown once; only its digest is kept)."""
    vote = OwnerVote.objects.select_for_update().get(pk=vote.pk)
    if vote.status != OwnerVote.Status.OPEN:
        raise ConflictError("该表决已结束，不能再投票。")
    if vote.deadline is not None and vote.deadline <= timezone.now():
        raise ConflictError(f"该表决已于{timezone.localtime(vote.deadline):%Y-%m-%d %H:%M}截止，不能再投票。")
    unit = ElectorUnit.objects.filter(vote=vote, house_id=house_id).first()
    if unit is None:
        raise DomainError("房屋：不在本次表决的专有部分名单中", field="house")
    _check_channel(actor, vote, unit, channel)
    picked = clean_choices(vote, choices)
    if channel == Turnout.Channel.ASSISTED and assisted_by is None:
        assisted_by = actor
    try:
        with transaction.atomic():
            Turnout.objects.create(
                vote=vote,
                house_id=house_id,
                channel=channel,
                recorded_by=actor if actor and actor.pk else None,
                assisted_by=assisted_by if channel == Turnout.Channel.ASSISTED else None,
            )
    except IntegrityError:
        raise ConflictError("该房屋已经投过票，每套房屋只能投一票。") from None
    code = _new_receipt()
    Ballot.objects.create(
        vote=vote,
        choices=list(picked),
        area=unit.area,
        owner_token=owner_token(vote.pk, unit.owner_key),
        receipt_digest=receipt_digest(vote.pk, code),
        house_id=None if vote.secret else house_id,
    )
    return code


def receipt_check(*, vote: OwnerVote, code: str) -> Ballot | None:
    """The ballot a receipt code stands for (None: no such ballot in this vote)."""
    if len(normalise_receipt(code)) != 12:
        return None
    return Ballot.objects.filter(vote=vote, receipt_digest=receipt_digest(vote.pk, code)).first()


# ---------------------------------------------------------------- closing, extending, reminding


def compute(vote: OwnerVote) -> tally.Result:
    electorate = ElectorUnit.objects.filter(vote=vote).values_list("area", "owner_key")
    token = {key: owner_token(vote.pk, key) for key in {k for _, k in electorate}}
    casts = [
        tally.Cast(area=a, owner=o, choices=tuple(c))
        for a, o, c in Ballot.objects.filter(vote=vote).values_list("area", "owner_token", "choices")
    ]
    matters = list(vote.items.order_by("index").values_list("matter", flat=True))
    return tally.tally(electorate=[(a, token[k]) for a, k in electorate], casts=casts, matters=matters)


def _owner_users(vote: OwnerVote, *, not_voted: bool = False) -> list[User]:
    units = ElectorUnit.objects.filter(vote=vote).exclude(person_ids="")
    if not_voted:
        units = units.exclude(house_id__in=Turnout.objects.filter(vote=vote).values("house_id"))
    ids = {int(p) for s in units.values_list("person_ids", flat=True) for p in s.strip(",").split(",") if p}
    return list(User.objects.filter(person__pk__in=ids, is_active=True))


@transaction.atomic
def vote_close(*, actor: User | None, vote: OwnerVote, automatic: bool = False) -> OwnerVote:
    """End the vote and count it; the results notice goes to the owners and the staff who opened it."""
    if actor is not None and not allows_in_region(actor, "ownervote.change", vote.compound.community):
        raise DomainError("表决：您没有结束该表决的权限", field="vote", code="forbidden")
    vote = OwnerVote.objects.select_for_update().get(pk=vote.pk)
    result = tally.as_json(compute(vote))
    vote = transition(
        vote,
        to=OwnerVote.Status.CLOSED,
        allowed_from=(OwnerVote.Status.OPEN,),
        conflict="该表决已经结束。",
        after_commit=[lambda: _send_results(vote.pk)],
        version_field="version",
        result=result,
        closed_at=timezone.now(),
    )
    reason = "截止时间已到，自动结束业主表决并计票" if automatic else "结束业主表决并计票"
    audit.record(actor=actor, action="other", target=vote, reason=reason)
    return vote


def close_due(*, now: dt.datetime | None = None) -> int:
    """The periodic job: close and count every open vote whose 截止时间 has passed; returns how many it closed.

    The results go out as when staff close a vote (inbox messages and the public notice). Idempotent: a vote
    closed already is skipped. A vote without a deadline is closed by staff only.
    """
    now = now or timezone.now()
    closed = 0
    due = OwnerVote.objects.filter(status=OwnerVote.Status.OPEN, deadline__isnull=False, deadline__lte=now)
    for vote in due.order_by("pk"):
        try:
            vote_close(actor=None, vote=vote, automatic=True)
        except ConflictError:
            continue
        closed += 1
    return closed


def _send_results(vote_id: int) -> None:
    vote = OwnerVote.objects.select_related("compound", "created_by").get(pk=vote_id)
    users = _owner_users(vote) + ([vote.created_by] if vote.created_by else [])
    notifications.inbox(
        users,
        target=vote,
        kind="ownervote_result",
        title=f"表决结果公告：{vote.title}",
        body=results_notice_text(vote),
        url=reverse("participation:ownervote_resident", args=[vote.pk]),
    )
    _post_notice(vote, title=f"表决结果公告：{vote.title}", body=results_notice_text(vote))


def _post_notice(vote: OwnerVote, *, title: str, body: str) -> None:
    """Post a public notice (通知公告) to the compound's residents, with the vote as its source; the owners were
    already told in their inboxes (an owner need not live there). Published by the platform on the vote's behalf."""
    publish_notice(
        author=None, region=vote.compound.community, title=title[:150], body=body,
        audience={"compounds": [vote.compound_id]}, source=vote,
    )  # fmt: skip


@transaction.atomic
def vote_extend(*, actor: User | None, vote: OwnerVote, deadline: dt.datetime, reason: str = "") -> OwnerVote:
    """Move the deadline later and tell the owners (延期公告)."""
    if actor is not None and not allows_in_region(actor, "ownervote.change", vote.compound.community):
        raise DomainError("表决：您没有延长该表决的权限", field="vote", code="forbidden")
    vote = OwnerVote.objects.select_for_update().get(pk=vote.pk)
    if vote.status != OwnerVote.Status.OPEN:
        raise ConflictError("该表决已结束，不能延期。")
    if deadline <= timezone.now() or (vote.deadline and deadline <= vote.deadline):
        raise DomainError("截止时间：延期后的截止时间应晚于现在和原截止时间", field="deadline")
    before = audit.snapshot(vote)
    OwnerVote.objects.filter(pk=vote.pk).update(deadline=deadline, version=vote.version + 1)
    vote.refresh_from_db()
    audit.log_change(actor=actor, obj=vote, action=ObjectChange.Action.UPDATE, before=before)
    text = extension_notice_text(vote, reason=reason)
    users = _owner_users(vote)
    transaction.on_commit(
        lambda: notifications.inbox(
            users, target=vote, kind="ownervote_extended", title=f"表决延期公告：{vote.title}", body=text,
            url=reverse("participation:ownervote_resident", args=[vote.pk]),
        )
    )  # fmt: skip
    _post_notice(vote, title=f"表决延期公告：{vote.title}", body=text)
    return vote


def vote_remind(*, actor: User | None, vote: OwnerVote) -> int:
    """Remind the owners whose units have not voted: an inbox message to those with a resident-app account, an SMS
    (through the configured message backend) to the others with a phone number. Returns how many were reached."""
    if actor is not None and not allows_in_region(actor, "ownervote.change", vote.compound.community):
        raise DomainError("表决：您没有发送提醒的权限", field="vote", code="forbidden")
    if vote.status != OwnerVote.Status.OPEN:
        raise ConflictError("该表决已结束，无需提醒。")
    deadline = f"{timezone.localtime(vote.deadline):%Y-%m-%d %H:%M}" if vote.deadline else "以公告为准"
    params = {"title": vote.title, "deadline": deadline}
    reached = notifications.inbox(
        _owner_users(vote, not_voted=True),
        target=vote,
        kind="ownervote_reminder",
        title=f"请参加业主表决：{vote.title}",
        body=notifications.render("ownervote_reminder", params),
        url=reverse("participation:ownervote_resident", args=[vote.pk]),
    )
    for person in _owners_without_account(vote):
        if person.phone_enc:
            notifications.sms(phone_enc=person.phone_enc, template="ownervote_reminder", params=params, target=vote)
            reached += 1
    return reached


def _owners_without_account(vote: OwnerVote) -> list[Person]:
    units = ElectorUnit.objects.filter(vote=vote).exclude(person_ids="")
    units = units.exclude(house_id__in=Turnout.objects.filter(vote=vote).values("house_id"))
    ids = {int(p) for s in units.values_list("person_ids", flat=True) for p in s.strip(",").split(",") if p}
    return list(Person.objects.filter(pk__in=ids, user__isnull=True).only("pk", "phone_enc"))


# ---------------------------------------------------------------- notices (texts; published through notices later)


def extension_notice_text(vote: OwnerVote, *, reason: str = "") -> str:
    deadline = f"{timezone.localtime(vote.deadline):%Y年%m月%d日 %H:%M}" if vote.deadline else "另行通知"
    why = f"因{reason.strip()}，" if reason.strip() else ""
    return (
        f"{vote.compound.name}业主：{why}业主表决“{vote.title}”的投票期限延长至{deadline}。尚未投票的业主请及时投票。"
    )


def results_notice_text(vote: OwnerVote) -> str:
    """The results notice: for each item the three figures (area, headcount, turnout) and the outcome."""
    r = vote.result or tally.as_json(compute(vote))
    t_area, t_owners = _fraction(r["turnout"]["area"]), _fraction(r["turnout"]["owners"])
    lines = [
        f"{vote.compound.name}业主表决“{vote.title}”已于{timezone.localtime(vote.closed_at or timezone.now()):%Y年%m月%d日}结束。",
        f"参与表决：专有部分面积占总面积的{tally.percent(t_area)}（{r['turnout']['area']}），"
        f"人数占业主总人数的{tally.percent(t_owners)}（{r['turnout']['owners']}）；"
        + ("达到" if r["quorum_met"] else "未达到")
        + "“双三分之二”参与要求。",
    ]
    titles = dict(vote.items.values_list("index", "title"))
    for item in r["items"]:
        need = "四分之三以上" if item["matter"] in (6, 7, 8) else "过半数"
        lines.append(
            f"事项{item['item'] + 1}“{titles.get(item['item'], '')}”：同意面积占参与表决面积的"
            f"{tally.percent(_fraction(item['yes_area']))}，同意人数占参与表决人数的"
            f"{tally.percent(_fraction(item['yes_owners']))}（需{need}），"
            + ("通过。" if item["passed"] else "未通过。")
        )
    return "\n".join(lines)


def _fraction(text: str):
    from fractions import Fraction

    return Fraction(text)
