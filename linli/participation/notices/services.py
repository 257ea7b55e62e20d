"""Writes of the notices part: publish (now or scheduled), withdraw, pin, read receipts, 上门告知, learning.

``publish_notice`` is what other parts call for their results notices (deliberation, votes): keep its signature.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from pathlib import PurePosixPath

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from linli.core import attachments, audit, notifications
from linli.core.errors import DomainError
from linli.core.models import Region, User
from linli.core.scoping import require_in_region
from linli.core.workflow import transition
from linli.participation.notices import audience as aud
from linli.participation.notices.models import (
    LearningMaterial,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    StudyDay,
    StudyProgress,
)
from linli.people.models import Person

MAX_FILE_BYTES = 20 * 1024 * 1024
FILE_TYPES = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".jpg", ".jpeg", ".png", ".zip"}
MAX_BEAT_SECONDS = 120  # one heartbeat never counts more than this (a tab left open overnight counts nothing)

TEMPLATES = {
    "notice_published": "您有一条新通知：{title}，请在“邻里”中查看。",
    "notice_emergency": "【紧急通知】{title}。请立即查看并按通知要求行动。",
}


def _files(files: Iterable) -> list[tuple[str, bytes]]:
    out = []
    for f in files or ():
        if isinstance(f, tuple):
            name, data = f
        else:
            name, data = getattr(f, "name", "附件"), f.read()
        name = PurePosixPath(str(name)).name[:200] or "附件"
        if PurePosixPath(name).suffix.lower() not in FILE_TYPES:
            raise DomainError(
                f"附件：“{name}”的类型不支持（可上传 PDF、Word、Excel、PPT、图片、文本或 ZIP）", field="files"
            )
        if len(data) > MAX_FILE_BYTES:
            raise DomainError(f"附件：“{name}”超过 20 MB", field="files")
        out.append((name, data))
    return out


def _clean(*, title: str, body: str, kind: str, publish_at, expires_at) -> tuple[str, str]:
    errors = []
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors.append(("title", "标题：请填写标题"))
    elif len(title) > 100:
        errors.append(("title", "标题：最多 100 个字"))
    if not body:
        errors.append(("body", "正文：请填写正文"))
    if kind not in Notice.Kind.values:
        errors.append(("kind", "类型：请选择通知、政策或紧急通知"))
    start = publish_at or timezone.now()
    if expires_at is not None and expires_at <= start:
        errors.append(("expires_at", "有效期至：应晚于发布时间"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    return title, body


@transaction.atomic
def publish_notice(
    *,
    author: User | None,
    region: Region,
    title: str,
    body: str,
    kind: str = "normal",
    audience=None,
    source=None,
    publish_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    pinned: bool = False,
    files: Iterable = (),
) -> Notice:
    """Create a notice in ``region`` for ``audience`` (None: everyone there); publish now or at ``publish_at``.

    ``source`` is any record the notice is about (a matter, a vote), kept as a generic reference and shown as a link.
    An emergency notice goes through every channel (in-app, WeChat, SMS) and stays on top.
    """
    require_in_region(author, "notice.add", region, "发布范围")
    title, body = _clean(title=title, body=body, kind=kind, publish_at=publish_at, expires_at=expires_at)
    audience = aud.Audience.of(audience)
    label = aud.validate(region, audience)
    kept = _files(files)
    notice = Notice(
        region=region,
        region_path=region.path,
        title=title,
        body=body,
        kind=kind,
        audience=audience.as_dict(),
        audience_label=label,
        author=author if author is not None and author.pk else None,
        publish_at=publish_at,
        expires_at=expires_at,
        pinned=pinned or kind == Notice.Kind.EMERGENCY,
        status=Notice.Status.SCHEDULED,
    )
    if source is not None:
        notice.source_type = ContentType.objects.get_for_model(type(source))
        notice.source_id = str(source.pk)
        notice.source_label = str(source)[:200]
        url = getattr(source, "get_absolute_url", None)
        notice.source_url = url()[:300] if callable(url) else ""
    notice.save()
    for name, data in kept:
        key = attachments.save(f"notices/{notice.pk}/{secrets.token_hex(4)}-{name}", data)
        NoticeAttachment.objects.create(notice=notice, name=name, key=key, size=len(data))
    audit.log_change(actor=author, obj=notice, action="create", before=None)
    if publish_at is None or publish_at <= timezone.now():
        _deliver(notice)
    return notice


def _deliver(notice: Notice) -> Notice:
    """Publish ``notice`` now: write one delivery row per recipient (the receipts), then tell them after commit.

    The persons' receipts are one ``INSERT … SELECT`` (a notice to a community of a million people is one
    statement, not a million objects); staff reached by role are added after them."""
    now = timezone.now()
    people_sql, params = aud.persons_select(notice.region, notice.audience)
    table = connection.ops.quote_name(NoticeDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (notice_id, person_id, user_id, grid_id, region_path, delivered_at) "
            f"SELECT %s, r.*, %s FROM ({people_sql}) r",
            [notice.pk, now, *params],
        )
        reached = cursor.rowcount
    taken = set(
        NoticeDelivery.objects.filter(notice=notice, user__isnull=False).values_list("user_id", flat=True)
    ) if notice.audience.get("roles") else set()  # fmt: skip
    staff = aud.staff_recipients(notice.region, notice.audience, taken)
    NoticeDelivery.objects.bulk_create(
        [
            NoticeDelivery(
                notice=notice, user_id=r.user_id, grid_id=r.grid_id, region_path=r.region_path, delivered_at=now
            )  # fmt: skip
            for r in staff
        ],
        batch_size=1000,
    )
    transition(
        notice,
        to=Notice.Status.PUBLISHED,
        allowed_from=(Notice.Status.SCHEDULED,),
        conflict="该通知刚刚已发布或已撤回，请刷新后查看。",
        after_commit=[lambda: _announce(notice.pk)],
        published_at=now,
        recipients=reached + len(staff),
    )
    return notice


def _announce(notice_pk: int) -> None:
    """After commit: in-app message to every recipient's account; an emergency also goes by WeChat and SMS."""
    from django.urls import reverse

    notice = Notice.objects.get(pk=notice_pk)
    deliveries = NoticeDelivery.objects.filter(notice=notice)
    rows = list(deliveries.filter(user__isnull=False).values_list("user_id", "person_id"))  # accounts only
    residents = {u for u, p in rows if u and p}  # open it in the resident app
    staff = {u for u, p in rows if u and not p} - residents  # reached by role: open it in the console
    users = {u.pk: u for u in User.objects.filter(pk__in=residents | staff, is_active=True)}
    emergency = notice.is_emergency
    title = ("【紧急】" if emergency else "") + notice.title
    for group, url in (
        (residents, reverse("participation:my_notice_detail", args=[notice.pk])),
        (staff, notice.get_absolute_url()),
    ):
        notifications.inbox([users[u] for u in sorted(group) if u in users], target=notice, kind="notice",
                            title=title, body=notice.body[:200], url=url)  # fmt: skip
    if not emergency:
        return
    params = {"title": notice.title[:40]}
    for user in users.values():
        notifications.wechat(user=user, template="notice_emergency", params=params, target=notice)
    people = Person.objects.filter(pk__in=deliveries.filter(person__isnull=False).values("person_id"))
    for person in people.exclude(phone_enc="").select_related("user").iterator(chunk_size=2000):
        notifications.sms(
            phone_enc=person.phone_enc, template="notice_emergency", params=params, recipient=person.user, target=notice
        )
    for user_pk in sorted(staff):
        user = users.get(user_pk)
        if user is not None and user.phone_enc:
            notifications.sms(phone_enc=user.phone_enc, template="notice_emergency", params=params, recipient=user,
                              target=notice)  # fmt: skip


def publish_due(now: dt.datetime | None = None) -> int:
    """Publish every scheduled notice whose time has come (the periodic job); returns how many."""
    now = now or timezone.now()
    done = 0
    for pk in Notice.objects.filter(status=Notice.Status.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            notice = Notice.objects.select_for_update().get(pk=pk)
            if notice.status != Notice.Status.SCHEDULED:
                continue
            _deliver(notice)
            done += 1
    return done


@transaction.atomic
def notice_withdraw(*, actor: User, notice: Notice) -> Notice:
    """Withdraw a notice: residents no longer see it; receipts stay for the record."""
    require_in_region(actor, "notice.change", notice.region, "撤回")
    before = audit.snapshot(notice)
    transition(
        notice,
        to=Notice.Status.WITHDRAWN,
        allowed_from=(Notice.Status.SCHEDULED, Notice.Status.PUBLISHED),
        conflict="该通知已经撤回。",
        withdrawn_at=timezone.now(),
        withdrawn_by=actor,
        pinned=False,
    )
    audit.log_change(actor=actor, obj=notice, action="update", before=before)
    return notice


@transaction.atomic
def notice_pin(*, actor: User, notice: Notice, pinned: bool) -> Notice:
    require_in_region(actor, "notice.change", notice.region, "置顶")
    if notice.is_emergency and not pinned:
        raise DomainError("置顶：紧急通知始终置顶，不能取消", field="pinned")
    if notice.status == Notice.Status.WITHDRAWN:
        raise DomainError("置顶：已撤回的通知不能置顶", field="pinned")
    before = audit.snapshot(notice)
    Notice.objects.filter(pk=notice.pk).update(pinned=pinned)
    notice.pinned = pinned
    audit.log_change(actor=actor, obj=notice, action="update", before=before)
    return notice


def notice_read(*, user: User, notice: Notice) -> bool:
    """Mark ``notice`` read by ``user`` (their person's delivery, or their account's); True the first time."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    rows = NoticeDelivery.objects.filter(notice=notice, read_at__isnull=True)
    if person is not None:
        rows = rows.filter(person=person)
    else:
        rows = rows.filter(user=user)
    return rows.update(read_at=timezone.now(), user=user) > 0


@transaction.atomic
def delivery_inform(*, actor: User, delivery: NoticeDelivery) -> NoticeDelivery:
    """上门告知: a grid worker told the recipient in person; the receipt counts as reached."""
    grid = delivery.grid or delivery.notice.region
    require_in_region(actor, "notice.view", grid, "上门告知")
    if delivery.read_at is not None:
        raise DomainError("上门告知：该居民已在线阅读，无需上门", field="delivery")
    done = NoticeDelivery.objects.filter(pk=delivery.pk, informed_at__isnull=True).update(
        informed_at=timezone.now(), informed_by=actor
    )
    if not done:
        raise DomainError("上门告知：已有人登记过上门告知，请刷新", field="delivery", code="conflict")
    delivery.refresh_from_db()
    audit.record(actor=actor, action="notice_inform", target=delivery.notice, extra={"delivery": delivery.pk})
    return delivery


# --- learning -------------------------------------------------------------------------------------------------------


@transaction.atomic
def material_create(
    *,
    author: User | None,
    region: Region,
    title: str,
    kind: str = "article",
    body: str = "",
    url: str = "",
    file=None,
    minutes_required: int = 10,
    audience=None,
) -> LearningMaterial:
    """Publish a learning material to the groups ``audience`` names; each person gets a progress row (assigned)."""
    require_in_region(author, "learningmaterial.add", region, "发布范围")
    title, body, url = (title or "").strip(), (body or "").strip(), (url or "").strip()
    errors = []
    if not title:
        errors.append(("title", "标题：请填写标题"))
    if kind not in LearningMaterial.Kind.values:
        errors.append(("kind", "类型：请选择文章、视频或文档"))
    if kind == LearningMaterial.Kind.ARTICLE and not body:
        errors.append(("body", "内容：文章需要填写内容"))
    if kind == LearningMaterial.Kind.VIDEO and not url.startswith(("https://", "http://")):
        errors.append(("url", "视频链接：请填写以 http:// 或 https:// 开头的链接"))
    if kind == LearningMaterial.Kind.DOCUMENT and file is None:
        errors.append(("file", "文档：请上传文档"))
    if not 1 <= int(minutes_required or 0) <= 600:
        errors.append(("minutes_required", "要求学习时长：应在 1 到 600 分钟之间"))
    if errors:
        raise DomainError(errors[0][1], field=errors[0][0], errors=errors)
    audience = aud.Audience.of(audience)
    label = aud.validate(region, audience)
    kept = _files([file]) if file is not None else []
    material = LearningMaterial.objects.create(
        region=region,
        region_path=region.path,
        title=title,
        kind=kind,
        body=body,
        url=url,
        minutes_required=minutes_required,
        audience=audience.as_dict(),
        audience_label=label,
        author=author if author is not None and author.pk else None,
    )
    if kept:
        name, data = kept[0]
        key = attachments.save(f"learning/{material.pk}/{secrets.token_hex(4)}-{name}", data)
        LearningMaterial.objects.filter(pk=material.pk).update(file_name=name, file_key=key)
        material.file_name, material.file_key = name, key
    people_sql, params = aud.persons_select(region, audience)  # one INSERT … SELECT, as a notice's receipts
    table = connection.ops.quote_name(StudyProgress._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (material_id, person_id, region_path, seconds) "
            f"SELECT %s, r.person_id, r.region_path, 0 FROM ({people_sql}) r",
            [material.pk, *params],
        )
        assigned = cursor.rowcount
    LearningMaterial.objects.filter(pk=material.pk).update(assigned=assigned)
    material.assigned = assigned
    users = list(
        Person.objects.filter(pk__in=StudyProgress.objects.filter(material=material).values("person_id"),
                              user__isnull=False).values_list("user_id", flat=True)
    )  # fmt: skip
    transaction.on_commit(lambda: _announce_material(material.pk, users))
    audit.log_change(actor=author, obj=material, action="create", before=None)
    return material


def _announce_material(material_pk: int, user_ids: list[int]) -> None:
    from django.urls import reverse

    material = LearningMaterial.objects.get(pk=material_pk)
    url = reverse("participation:my_material", args=[material.pk])
    users = User.objects.filter(pk__in=user_ids, is_active=True)
    notifications.inbox(users, target=material, kind="learning", title=f"新的学习资料：{material.title}",
                        body=f"请在“我的学习”中完成学习（约 {material.minutes_required} 分钟）。", url=url)  # fmt: skip


@transaction.atomic
def record_study(
    person: Person, material: LearningMaterial, seconds: int, *, on: dt.date | None = None
) -> StudyProgress:
    """Add ``seconds`` of study of ``material`` by ``person`` (one heartbeat: at most two minutes count).

    Reused by party members' learning: the per-year total is ``study_seconds(person, year)``. A person who was not
    assigned the material (a party member reading it on their own) gets a progress row on their first beat.
    """
    seconds = max(0, min(int(seconds), MAX_BEAT_SECONDS))
    now = timezone.now()
    day = on or timezone.localdate(now)
    progress, _ = StudyProgress.objects.select_for_update().get_or_create(
        material=material, person=person, defaults={"region_path": person.region_path or ""}
    )
    if seconds:
        StudyProgress.objects.filter(pk=progress.pk).update(seconds=F("seconds") + seconds, last_at=now)
        updated = StudyDay.objects.filter(progress=progress, day=day).update(seconds=F("seconds") + seconds)
        if not updated:
            StudyDay.objects.create(progress=progress, person=person, day=day, seconds=seconds)
        progress.refresh_from_db()
    if progress.completed_at is None and progress.seconds >= material.minutes_required * 60:
        StudyProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(completed_at=now)
        progress.completed_at = now
    return progress


@transaction.atomic
def assign_to_persons(
    *, author: User | None, region: Region, title: str, body: str = "", minutes_required: int, person_ids, label: str
) -> int:
    """A material for the given persons only (party members' learning, through ``ask("learning.assign")``).

    The asking app has checked the author may assign it to these persons; they study it in "学习园地" like any
    other material and their time counts into ``study_seconds``. Returns the material's id."""
    title = (title or "").strip()
    if not title:
        raise DomainError("学习内容：请填写标题", field="title")
    if not 1 <= int(minutes_required or 0) <= 600:
        raise DomainError("学时：应在 1 到 600 分钟之间", field="hours")
    material = LearningMaterial.objects.create(
        region=region, region_path=region.path, title=title, body=(body or "").strip() or title,
        minutes_required=int(minutes_required), audience_label=label[:300],
        author=author if author is not None and author.pk else None,
    )  # fmt: skip
    persons = list(Person.objects.filter(pk__in=list(person_ids)).values_list("pk", "region_path", "user_id"))
    StudyProgress.objects.bulk_create(
        [StudyProgress(material=material, person_id=pk, region_path=path or "") for pk, path, _ in persons]
    )
    LearningMaterial.objects.filter(pk=material.pk).update(assigned=len(persons))
    users = [u for _, _, u in persons if u]
    transaction.on_commit(lambda: _announce_material(material.pk, users))
    audit.log_change(actor=author, obj=material, action="create", before=None)
    return material.pk


def progress_of(material_id: int) -> dict[int, dict]:
    """Each assigned person's study of one material: ``{person_id: {"seconds", "completed_at"}}``."""
    rows = StudyProgress.objects.filter(material_id=material_id).values_list("person_id", "seconds", "completed_at")
    return {pk: {"seconds": sec, "completed_at": done} for pk, sec, done in rows}


def record_study_by_id(material_id: int, person: Person, seconds: int, *, on: dt.date | None = None):
    """``record_study`` for an app that knows the material by id only (party's demo and tests)."""
    return record_study(person, LearningMaterial.objects.get(pk=material_id), seconds, on=on)


def material_url(material_id: int) -> str:
    from django.urls import reverse

    return reverse("participation:my_material", args=[material_id])


def study_seconds(person: Person, year: int) -> int:
    """A person's total study time in ``year`` (seconds), over every material."""
    from django.db.models import Sum

    total = StudyDay.objects.filter(person=person, day__year=year).aggregate(s=Sum("seconds"))["s"]
    return int(total or 0)


# --- retention --------------------------------------------------------------------------------------------------


def purge_expired(cutoff: dt.datetime, held_person_ids: list[int]) -> int:
    """Delete the receipts of notices that expired (or were withdrawn) before ``cutoff``; held persons' stay."""
    from django.db.models import Q

    old = Notice.objects.filter(Q(expires_at__lt=cutoff) | Q(withdrawn_at__lt=cutoff))
    rows = NoticeDelivery.objects.filter(notice__in=old).exclude(person_id__in=held_person_ids)
    count, _ = rows.delete()
    return count
