"""Reads of the notices part, each through ``restrict()`` (staff) or the caller's own deliveries (residents)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from linli.core.masking import mask_name
from linli.core.scoping import grant_reach, has_action, restrict
from linli.participation.notices.models import (
    LearningMaterial,
    Notice,
    NoticeAttachment,
    NoticeDelivery,
    StudyDay,
    StudyProgress,
)
from linli.people.models import Residency

# --- scope rules (registered in registry.py) ---------------------------------------------------------------------


def own_notices_q(user) -> Q:
    """A resident's own notices: published ones delivered to them (their person or their account)."""
    mine = NoticeDelivery.objects.filter(Q(person__user=user) | Q(user=user)).values("notice_id")
    return Q(status=Notice.Status.PUBLISHED, pk__in=mine)


def own_materials_q(user) -> Q:
    return Q(pk__in=StudyProgress.objects.filter(person__user=user).values("material_id"))


# --- staff ----------------------------------------------------------------------------------------------------------


def notice_rows() -> QuerySet[Notice]:
    return Notice.objects.select_related("region", "author")


def staff_notices(*, user, action: str = "notice.view") -> QuerySet[Notice]:
    """Notices placed in the staff member's regions, and those that reached people there (a grid worker sees the
    community's notices that reached their grid, to knock on the doors of those who did not read them)."""
    base = notice_rows()
    placed = restrict(user, action, base)
    reach = grant_reach(user, action)
    if reach.all or not reach.prefixes:
        return placed
    reached = NoticeDelivery.objects.filter(reach.path_q("region_path")).values("notice_id")
    return base.filter(Q(pk__in=placed.values("pk")) | Q(pk__in=reached))


def staff_notice(*, user, pk, action: str = "notice.view") -> Notice | None:
    return staff_notices(user=user, action=action).filter(pk=pk).first()


def attachments_of(notice: Notice) -> list[NoticeAttachment]:
    return list(notice.attachments.all())


@dataclass
class Receipts:
    total: int = 0
    read: int = 0
    informed: int = 0
    by_grid: list[dict] = field(default_factory=list)
    unread: list[dict] = field(default_factory=list)
    unread_total: int = 0

    @property
    def unreached(self) -> int:
        return self.total - self.read - self.informed

    @property
    def read_rate(self) -> str:
        return f"{self.read * 100 / self.total:.1f}%" if self.total else "—"


def receipts(*, user, notice: Notice, limit: int = 100, grid_id: int | None = None) -> Receipts:
    """Counts, per-grid figures and the 未读名单 (masked names, home address) of the deliveries the user reaches."""
    rows = NoticeDelivery.objects.filter(notice=notice)
    reach = grant_reach(user, "notice.view")
    q = reach.path_q("region_path")
    if q is not None and not reach.covers_path(notice.region_path):
        rows = rows.filter(q)
    counts = rows.aggregate(
        total=Count("pk"),
        read=Count("pk", filter=Q(read_at__isnull=False)),
        informed=Count("pk", filter=Q(read_at__isnull=True, informed_at__isnull=False)),
    )
    by_grid = list(
        rows.values("grid_id", "grid__name")
        .annotate(
            total=Count("pk"),
            read=Count("pk", filter=Q(read_at__isnull=False)),
            informed=Count("pk", filter=Q(read_at__isnull=True, informed_at__isnull=False)),
        )
        .order_by("grid__name")
    )
    for g in by_grid:
        g["unread"] = g["total"] - g["read"] - g["informed"]
        g["name"] = g.pop("grid__name") or "未分网格"
    unread_rows = rows.filter(read_at__isnull=True, informed_at__isnull=True)
    if grid_id is not None:
        unread_rows = unread_rows.filter(grid_id=grid_id)
    picked = list(unread_rows.select_related("person", "user", "grid").order_by("region_path", "pk")[:limit])
    homes = _homes([d.person_id for d in picked if d.person_id])
    unread = [
        {
            "id": d.pk,
            "name": mask_name(d.person.name if d.person_id else (d.user.full_name or d.user.username)),
            "grid": d.grid.name if d.grid_id else "",
            "address": homes.get(d.person_id, ""),
            "delivered_at": d.delivered_at,
        }
        for d in picked
    ]
    return Receipts(
        total=counts["total"],
        read=counts["read"],
        informed=counts["informed"],
        by_grid=by_grid,
        unread=unread,
        unread_total=counts["total"] - counts["read"] - counts["informed"],
    )


def _homes(person_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    rows = (
        Residency.objects.filter(person_id__in=person_ids, end__isnull=True)
        .select_related("house__building__compound", "house__unit")
        .order_by("person_id", "pk")
    )
    for r in rows:
        out.setdefault(r.person_id, r.house.short_address)
    return out


def delivery_for(*, user, notice: Notice, pk) -> NoticeDelivery | None:
    """A delivery of ``notice`` the staff member reaches (their grid), for 上门告知."""
    rows = NoticeDelivery.objects.filter(notice=notice, pk=pk).select_related("grid", "notice__region")
    reach = grant_reach(user, "notice.view")
    q = reach.path_q("region_path")
    if q is not None and not reach.covers_path(notice.region_path):
        rows = rows.filter(q)
    return rows.first()


# --- residents ------------------------------------------------------------------------------------------------------


def _my_deliveries(user) -> QuerySet[NoticeDelivery]:
    return NoticeDelivery.objects.filter(Q(person__user=user) | Q(user=user))


def my_notices(*, user, include_expired: bool = False) -> QuerySet[Notice]:
    """The notices that target the resident: emergencies first, then pinned, then newest; with ``my_read_at``."""
    mine = _my_deliveries(user).filter(notice=OuterRef("pk"))
    qs = restrict(user, "notice.view", notice_rows()).filter(own_notices_q(user))
    if not include_expired:
        qs = qs.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    return qs.annotate(
        my_read_at=Subquery(mine.values("read_at")[:1]),
        urgent=Case(When(kind=Notice.Kind.EMERGENCY, then=Value(1)), default=Value(0), output_field=IntegerField()),
    ).order_by("-urgent", "-pinned", "-published_at", "-pk")


def my_notice(*, user, pk) -> Notice | None:
    return my_notices(user=user, include_expired=True).filter(pk=pk).first()


def my_unread_count(*, user) -> int:
    return my_notices(user=user).filter(my_read_at__isnull=True).count()


# --- learning -------------------------------------------------------------------------------------------------------


def material_rows() -> QuerySet[LearningMaterial]:
    return LearningMaterial.objects.select_related("region", "author")


def staff_material(*, user, pk) -> LearningMaterial | None:
    return restrict(user, "learningmaterial.view", material_rows()).filter(pk=pk).first()


def material_progress(*, user, material: LearningMaterial, limit: int = 300) -> dict:
    """Completion figures and the per-person list (masked names) of the progress rows the user reaches."""
    rows = StudyProgress.objects.filter(material=material)
    reach = grant_reach(user, "learningmaterial.view")
    q = reach.path_q("region_path")
    if q is not None and not reach.covers_path(material.region_path):
        rows = rows.filter(q)
    figures = rows.aggregate(total=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False)),
                             seconds=Sum("seconds"))  # fmt: skip
    people = [
        {"name": mask_name(p.person.name), "minutes": p.seconds // 60, "completed_at": p.completed_at}
        for p in rows.select_related("person").order_by("-seconds", "pk")[:limit]
    ]
    total = figures["total"] or 0
    return {
        "total": total,
        "done": figures["done"],
        "rate": f"{figures['done'] * 100 / total:.1f}%" if total else "—",
        "minutes": (figures["seconds"] or 0) // 60,
        "people": people,
    }


def my_materials(*, user) -> QuerySet[LearningMaterial]:
    mine = StudyProgress.objects.filter(person__user=user, material=OuterRef("pk"))
    return (
        restrict(user, "learningmaterial.view", material_rows())
        .filter(own_materials_q(user))
        .annotate(
            my_seconds=Subquery(mine.values("seconds")[:1]),
            my_completed_at=Subquery(mine.values("completed_at")[:1]),
        )
        .order_by("-created_at", "-pk")
    )


def my_material(*, user, pk) -> LearningMaterial | None:
    return my_materials(user=user).filter(pk=pk).first()


def my_progress(*, user, material: LearningMaterial) -> StudyProgress | None:
    return StudyProgress.objects.filter(person__user=user, material=material).first()


# --- what the part brings to core's pages -----------------------------------------------------------------------


def notice_count(user, region=None, *, cap: int | None = None) -> int:
    """Published notices the user may see (under ``region``): the 通知公告 statistic."""
    from linli.core.statistics import scoped_count

    return scoped_count(user, "notice.view", Notice.objects.filter(status=Notice.Status.PUBLISHED), region=region,
                        cap=cap)  # fmt: skip


def delivered_count(user, region=None, *, cap: int | None = None) -> int:
    """送达人次: deliveries of published notices to people in the user's regions (a resident: their own)."""
    rows = NoticeDelivery.objects.filter(notice__status=Notice.Status.PUBLISHED).order_by()
    reach = grant_reach(user, "notice.view")
    if not reach.all:
        q = reach.path_q("region_path") if reach.prefixes else Q(pk__in=[])
        if reach.own:
            q |= Q(person__user=user) | Q(user=user)
        rows = rows.filter(q)
    if region is not None:
        rows = rows.filter(region_path__startswith=region.path)
    return (rows[: cap + 1] if cap else rows).count()


def read_rate(user, region=None) -> float:
    """Share of the deliveries of the notices the user may see that were read (percent, one decimal)."""
    notices = restrict(user, "notice.view", Notice.objects.filter(status=Notice.Status.PUBLISHED).order_by())
    if region is not None:
        notices = notices.filter(region_path__startswith=region.path)
    figures = NoticeDelivery.objects.filter(notice__in=notices.values("pk")).aggregate(
        total=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False))
    )
    return round(figures["read"] * 100 / figures["total"], 1) if figures["total"] else 0.0


def personal_data_reads(person) -> list[dict]:
    rows = NoticeDelivery.objects.filter(person=person).select_related("notice").order_by("-delivered_at")
    return [
        {
            "通知": d.notice.title,
            "送达时间": timezone.localtime(d.delivered_at).strftime("%Y-%m-%d %H:%M"),
            "阅读时间": timezone.localtime(d.read_at).strftime("%Y-%m-%d %H:%M") if d.read_at else "未读",
            "上门告知": "是" if d.informed_at else "",
        }
        for d in rows
    ]


def personal_data_study(person) -> list[dict]:
    rows = StudyProgress.objects.filter(person=person).select_related("material").order_by("material__title")
    out = [
        {
            "学习资料": p.material.title,
            "累计学习时长（分钟）": p.seconds // 60,
            "完成时间": timezone.localtime(p.completed_at).strftime("%Y-%m-%d") if p.completed_at else "未完成",
        }
        for p in rows
    ]
    years = StudyDay.objects.filter(person=person).values("day__year").annotate(s=Sum("seconds")).order_by("day__year")
    out += [
        {"学习资料": f"{y['day__year']} 年合计", "累计学习时长（分钟）": y["s"] // 60, "完成时间": ""} for y in years
    ]
    return out


def can_publish(user) -> bool:
    return has_action(user, "notice.add")


def reads_as_staff(user, action: str = "notice.view") -> bool:
    """Whether the user sees notices as staff (by region or everywhere), not only as a recipient."""
    reach = grant_reach(user, action)
    return reach.all or bool(reach.prefixes)


def api_notices(*, user) -> QuerySet[Notice]:
    """The API list for the caller: staff get what they reach (with read counts), residents only theirs."""
    if reads_as_staff(user):
        return (
            staff_notices(user=user)
            .annotate(read_count=Count("deliveries", filter=Q(deliveries__read_at__isnull=False)))
            .order_by("-pinned", "-published_at", "-pk")
        )
    return my_notices(user=user)


def audience_choices(*, user, action: str = "notice.add") -> dict:
    """What the publish form offers: regions, compounds and buildings in the user's reach, tags they may see."""
    from linli.core.models import Region
    from linli.core.roles import Role
    from linli.core.scoping import max_tag_sensitivity
    from linli.housing.models import Building, Compound
    from linli.people.models import Tag

    reach = grant_reach(user, action)
    if reach.nothing:
        none = Region.objects.none()
        return {"regions": none, "compounds": Compound.objects.none(), "buildings": Building.objects.none(),
                "tags": Tag.objects.none(), "roles": []}  # fmt: skip
    regions = Region.objects.select_related("level").order_by("path")
    compounds = Compound.objects.order_by("name")
    buildings = Building.objects.select_related("compound").order_by("region_path", "number")
    q = reach.path_q("path")
    if q is not None:
        regions = regions.filter(q)
        compounds = compounds.filter(reach.path_q("region_path"))
        buildings = buildings.filter(reach.path_q("region_path"))
    tags = Tag.objects.filter(depth__gt=1, sensitivity__lte=max(0, max_tag_sensitivity(user))).order_by("path")
    roles = [(r.value, r.label) for r in Role if r not in (Role.ADMIN, Role.AUDITOR, Role.DEPT_STAFF,
                                                            Role.PROPERTY_STAFF, Role.LEADER)]  # fmt: skip
    return {"regions": regions[:300], "compounds": compounds[:300], "buildings": buildings[:1000], "tags": tags,
            "roles": roles}  # fmt: skip
