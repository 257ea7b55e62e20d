"""Reads on party building; everything a user sees passes through ``restrict()``."""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from linli.core.modules import ask, provides
from linli.core.scoping import restrict
from linli.party.models import (
    BRANCH_KINDS,
    GROUP_KINDS,
    Attendance,
    Cadre,
    Disclosure,
    Meeting,
    MeetingCycle,
    MeetingFile,
    MeetingKind,
    Pairing,
    PairingVisit,
    PartyMember,
    PartyOrganization,
    Position,
    PositionClaim,
    Project,
    ReportingUnit,
    ServiceRecord,
    StudyMaterial,
    StudyRecord,
    default_cycles,
)

# --- scope rules (apps.py): what a member reaches as their own ------------------------------------------------


def my_org_ids_q(user) -> QuerySet:
    """Ids of the organisations ``user`` is an active member of (a subquery)."""
    return PartyMember.objects.filter(person__user=user, is_active=True).values("organization_id")


def my_position_ids_q(user) -> QuerySet:
    return PositionClaim.objects.filter(member__person__user=user, withdrawn_on__isnull=True).values("position_id")


def my_member(*, user) -> PartyMember | None:
    """The active membership of the signed-in member, with the organisation."""
    if not user.is_authenticated:
        return None
    return (
        PartyMember.objects.filter(person__user=user, is_active=True)
        .select_related("person", "organization__region", "organization__parent")
        .first()
    )


def member_count(user, region=None, *, cap: int | None = None) -> int:
    """Active members the user may see (under ``region``): the 党员 statistic."""
    from linli.core.statistics import scoped_count

    return scoped_count(user, "partymember.view", PartyMember.objects.filter(is_active=True), region=region, cap=cap)


# --- querysets behind the console pages and the API (restricted by the generic views) ------------------------


def organization_rows() -> QuerySet[PartyOrganization]:
    return (
        PartyOrganization.objects.select_related("region", "parent")
        .annotate(member_total=Count("members", filter=Q(members__is_active=True)))
        .order_by("region_path", "kind", "name")
    )


def member_rows() -> QuerySet[PartyMember]:
    return PartyMember.objects.select_related("person", "organization")


def meeting_rows() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("organization")


def disclosure_rows() -> QuerySet[Disclosure]:
    return Disclosure.objects.select_related("organization", "author", "reviewer")


def unit_rows() -> QuerySet[ReportingUnit]:
    return (
        ReportingUnit.objects.select_related("community")
        .annotate(project_total=Count("projects"))
        .order_by("region_path", "name")
    )


def position_rows() -> QuerySet[Position]:
    return (
        Position.objects.select_related("community")
        .annotate(claimed=Count("claims", filter=Q(claims__withdrawn_on__isnull=True)))
        .order_by("region_path", "name")
    )


def cadre_rows() -> QuerySet[Cadre]:
    return Cadre.objects.select_related("community")


# --- organisations ---------------------------------------------------------------------------------------------


def organization_tree(*, user) -> list[tuple[int, PartyOrganization]]:
    """The organisations the user may see as (depth, org), each under its parent (one query)."""
    orgs = list(restrict(user, "partyorg.view", organization_rows()).order_by("name"))
    by_parent: dict[int | None, list] = defaultdict(list)
    ids = {o.pk for o in orgs}
    for o in orgs:
        by_parent[o.parent_id if o.parent_id in ids else None].append(o)
    out: list[tuple[int, PartyOrganization]] = []

    def walk(parent, depth):
        for o in sorted(by_parent.get(parent, []), key=lambda o: (o.kind not in ("regional", "committee"), o.name)):
            out.append((depth, o))
            walk(o.pk, depth + 1)

    walk(None, 0)
    return out


def organization_choices(*, user, action: str = "partyorg.change") -> QuerySet[PartyOrganization]:
    return restrict(user, action).filter(is_active=True).order_by("region_path", "name")


def org_members(*, user, organization) -> QuerySet[PartyMember]:
    """Active members of ``organization`` the user may see (party roles only: members see none but themselves)."""
    return restrict(user, "partymember.view", member_rows()).filter(organization=organization, is_active=True)


def member_transfers(*, member):
    return member.transfers.select_related("from_org", "to_org", "actor")


def cycles_for(organization) -> dict[str, int]:
    """The organisation's meetings a year per kind: its own settings over the regulations' defaults."""
    cycles = default_cycles(organization.kind)
    for kind, per_year in organization.cycles.values_list("kind", "per_year"):
        cycles[kind] = per_year
    return cycles


# --- meetings --------------------------------------------------------------------------------------------------


def meeting_attendances(*, meeting) -> list[Attendance]:
    return list(meeting.attendances.select_related("member__person").order_by("member__person__name"))


def meeting_roll(*, user, meeting) -> list[tuple[PartyMember, Attendance | None]]:
    """Every active member of the meeting's organisation with their attendance (None: not yet recorded)."""
    members = list(org_members(user=user, organization=meeting.organization).order_by("person__name"))
    marks = {a.member_id: a for a in meeting.attendances.all()}
    return [(m, marks.get(m.pk)) for m in members]


def meeting_quality(meeting: Meeting, present: int, total: int, photos: int) -> int:
    """从做没做到好不好: minutes 30, attendance 40, photos 10, follow-ups done 20 (0–100)."""
    if meeting.status != Meeting.Status.HELD:
        return 0
    score = 30 if meeting.minutes.strip() else 0
    score += round(40 * present / total) if total else 0
    score += 10 if photos else 0
    score += 20 if (meeting.follow_ups_done or not meeting.follow_ups.strip()) else 0
    return score


def my_meetings(*, user, with_cancelled: bool = False) -> QuerySet[Meeting]:
    qs = restrict(user, "partymeeting.view", meeting_rows())
    return qs if with_cancelled else qs.exclude(status=Meeting.Status.CANCELLED)


def my_attendance(*, user, meeting) -> Attendance | None:
    return meeting.attendances.filter(member__person__user=user).first()


# --- compliance ------------------------------------------------------------------------------------------------


def required_in(per_year: int, year: int, today: dt.date) -> int:
    """Meetings due in ``year``: all of them for a past year; for this year, one per period begun so far."""
    if year < today.year:
        return per_year
    if year > today.year:
        return 0
    return math.ceil(per_year * today.month / 12)


@dataclass
class ComplianceRow:
    organization: PartyOrganization
    kind: str
    per_year: int
    required: int
    held: int
    planned: int = 0
    present: int = 0
    recorded: int = 0
    quality: int = 0

    @property
    def behind(self) -> bool:
        return self.held < self.required

    @property
    def kind_label(self) -> str:
        return MeetingKind(self.kind).label

    @property
    def attendance_rate(self) -> int | None:
        return round(100 * self.present / self.recorded) if self.recorded else None


@dataclass
class OrgCompliance:
    organization: PartyOrganization
    rows: list[ComplianceRow] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return any(r.behind for r in self.rows)

    @property
    def attendance_rate(self) -> int | None:
        recorded = sum(r.recorded for r in self.rows)
        return round(100 * sum(r.present for r in self.rows) / recorded) if recorded else None

    @property
    def quality(self) -> int | None:
        held = [r for r in self.rows if r.held]
        return round(sum(r.quality * r.held for r in held) / sum(r.held for r in held)) if held else None


def compliance(*, user, year: int, organization=None, today: dt.date | None = None) -> list[OrgCompliance]:
    """Required vs held per organisation and meeting kind in ``year``, with attendance and quality.

    ``held`` counts exactly the meetings ``/api/v1/party/meetings/?organization=…&kind=…&year=…`` lists with status
    已召开: the same restricted queryset, filtered the same way."""
    today = today or timezone.localdate()
    orgs = restrict(user, "partyorg.view").filter(is_active=True, kind__in=BRANCH_KINDS + GROUP_KINDS)
    if organization is not None:
        orgs = orgs.filter(pk=organization.pk)
    orgs = list(orgs.select_related("region").order_by("region_path", "name"))
    ids = [o.pk for o in orgs]
    cycles: dict[int, dict[str, int]] = {o.pk: default_cycles(o.kind) for o in orgs}
    for org_id, kind, per_year in MeetingCycle.objects.filter(organization_id__in=ids).values_list(
        "organization_id", "kind", "per_year"
    ):
        cycles[org_id][kind] = per_year
    meetings = restrict(
        user, "partymeeting.view", Meeting.objects.filter(organization_id__in=ids, starts_at__year=year)
    )
    counts = {
        (r["organization_id"], r["kind"], r["status"]): r["n"]
        for r in meetings.values("organization_id", "kind", "status").annotate(n=Count("pk"))
    }
    # Attendance and quality of held meetings, per (organisation, kind), in one query each.
    held = meetings.filter(status=Meeting.Status.HELD).annotate(
        present=Count("attendances", filter=Q(attendances__status__in=("present", "online"))),
        recorded=Count("attendances"),
        photos=Coalesce(
            Subquery(
                MeetingFile.objects.filter(meeting=OuterRef("pk"), is_photo=True)
                .values("meeting")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
    )
    stats: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for m in held.only("pk", "organization_id", "kind", "status", "minutes", "follow_ups", "follow_ups_done"):
        s = stats[(m.organization_id, m.kind)]
        s[0] += m.present
        s[1] += m.recorded
        s[2] += meeting_quality(m, m.present, m.recorded, m.photos)
    out = []
    for o in orgs:
        oc = OrgCompliance(o)
        for kind, per_year in cycles[o.pk].items():
            if per_year <= 0:
                continue
            n_held = counts.get((o.pk, kind, Meeting.Status.HELD), 0)
            present, recorded, quality = stats.get((o.pk, kind), [0, 0, 0])
            oc.rows.append(
                ComplianceRow(
                    organization=o,
                    kind=kind,
                    per_year=per_year,
                    required=required_in(per_year, year, today),
                    held=n_held,
                    planned=counts.get((o.pk, kind, Meeting.Status.PLANNED), 0),
                    present=present,
                    recorded=recorded,
                    quality=round(quality / n_held) if n_held else 0,
                )
            )
        out.append(oc)
    return out


def member_attendance_rates(*, user, organization, year: int) -> list[tuple[PartyMember, int, int]]:
    """(member, attended, recorded) in held meetings of ``year`` for each active member of the organisation."""
    members = org_members(user=user, organization=organization).annotate(
        attended=Count(
            "attendances",
            filter=Q(
                attendances__status__in=("present", "online"),
                attendances__meeting__status="held",
                attendances__meeting__starts_at__year=year,
            ),
        ),
        recorded=Count(
            "attendances",
            filter=Q(attendances__meeting__status="held", attendances__meeting__starts_at__year=year),
        ),
    )
    return [(m, m.attended, m.recorded) for m in members.order_by("person__name")]


# --- disclosure --------------------------------------------------------------------------------------------------


def disclosures_for_review(*, user) -> QuerySet[Disclosure]:
    return restrict(user, "partydisclosure.review", disclosure_rows()).filter(status=Disclosure.Status.PENDING)


def published_disclosures(*, user) -> QuerySet[Disclosure]:
    return restrict(user, "partydisclosure.view", disclosure_rows()).filter(status=Disclosure.Status.PUBLISHED)


# --- learning ----------------------------------------------------------------------------------------------------


def learning_linked() -> bool:
    """Whether members' learning runs on the participation app's learning records (it is installed)."""
    return provides("learning.study_seconds")


@dataclass
class MaterialState:
    """A member's state on one material: done or not, minutes studied, where to study it."""

    done: bool
    minutes: int = 0
    url: str = ""


def my_materials(*, member) -> list[tuple[StudyMaterial, MaterialState]]:
    materials = list(StudyMaterial.objects.filter(organization=member.organization))
    done = {r.material_id: r for r in StudyRecord.objects.filter(member=member)}
    out = []
    for m in materials:
        if m.learning_id and learning_linked():
            mine = (ask("learning.progress", m.learning_id, default={}) or {}).get(member.person_id) or {}
            state = MaterialState(
                done=bool(mine.get("completed_at")),
                minutes=(mine.get("seconds") or 0) // 60,
                url=ask("learning.url", m.learning_id, default="") or "",
            )
        else:
            state = MaterialState(done=m.pk in done)
        out.append((m, state))
    return out


def material_rows() -> QuerySet[StudyMaterial]:
    return (
        StudyMaterial.objects.select_related("organization")
        .annotate(done_total=Count("records", distinct=True))
        .order_by("-created_at", "-pk")
    )


def materials_for(*, user) -> QuerySet[StudyMaterial]:
    """Materials of the organisations the user may see (the console's 学习资料 list)."""
    return material_rows().filter(organization__in=restrict(user, "partyorg.view").values("pk"))


def material_completion(*, user, material: StudyMaterial) -> list[tuple[PartyMember, MaterialState]]:
    """Each active member of the material's organisation (those the user may see) and how far they got."""
    members = list(org_members(user=user, organization=material.organization).order_by("pk"))
    if material.learning_id and learning_linked():
        progress = ask("learning.progress", material.learning_id, default={}) or {}
        return [
            (
                m,
                MaterialState(
                    done=bool((progress.get(m.person_id) or {}).get("completed_at")),
                    minutes=((progress.get(m.person_id) or {}).get("seconds") or 0) // 60,
                ),
            )
            for m in members
        ]
    done = set(StudyRecord.objects.filter(material=material).values_list("member_id", flat=True))
    return [(m, MaterialState(done=m.pk in done, minutes=int(material.hours * 60) if m.pk in done else 0))
            for m in members]  # fmt: skip


def study_hours(*, member, year: int) -> Decimal:
    """The member's study hours in ``year``: the one entry point every page and report uses.

    With the participation app installed, the time the member studied there (any material, in 学习园地) is what
    counts, in hours to one decimal; without it, the hours of the materials the member marked done."""
    if learning_linked():
        seconds = ask("learning.study_seconds", member.person, year, default=0) or 0
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"))
    total = StudyRecord.objects.filter(member=member, completed_at__year=year).aggregate(h=Sum("hours"))["h"]
    return total or Decimal("0")


# --- 结对帮扶 and service records ------------------------------------------------------------------------------


def pairing_rows() -> QuerySet[Pairing]:
    return Pairing.objects.select_related("member__person", "member__organization", "household__householder").annotate(
        visit_total=Count("visits")
    )


def pairings_for(*, user) -> QuerySet[Pairing]:
    """Pairings of the members the user may change (party roles only: the households' need is personal)."""
    return pairing_rows().filter(member__in=restrict(user, "partymember.change").values("pk")).order_by("-start", "-pk")


def pairing_visits(*, pairing) -> list[dict]:
    """The pairing's visits, each with the people app's visit log row it was written to (when there is one)."""
    visits = list(pairing.visits.all())
    logged = {
        row["pk"]: row for row in ask("people.visits_of", [v.visit_id for v in visits if v.visit_id], default=[]) or []
    }
    return [{"visit": v, "log": logged.get(v.visit_id)} for v in visits]


def service_rows() -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.select_related("member__person", "unit")


def services_for(*, user) -> QuerySet[ServiceRecord]:
    """Service records of the units the user may see, and of the members they may see."""
    units = restrict(user, "partyunit.view").values("pk")
    members = restrict(user, "partymember.view").values("pk")
    return service_rows().filter(Q(unit__in=units) | Q(member__in=members)).order_by("-on", "-pk")


def project_for_change(*, user, pk) -> Project | None:
    """A 共建项目 of a unit ``user`` may change."""
    units = restrict(user, "partyunit.change", unit_rows()).values("pk")
    return Project.objects.select_related("unit").filter(unit__in=units, pk=pk).first()


def service_for_change(*, user, pk) -> ServiceRecord | None:
    """The service record ``user`` may correct or delete: a member's under ``partymember.change``, a unit's under
    ``partyunit.change`` (the secretary's, the 组织部's)."""
    units = restrict(user, "partyunit.change").values("pk")
    members = restrict(user, "partymember.change").values("pk")
    return service_rows().filter(Q(unit__in=units) | Q(member__in=members), pk=pk).first()


def claim_for_withdraw(*, user, pk) -> PositionClaim | None:
    """A current claim ``user`` may withdraw: on a position they may change (the secretary), or their own."""
    positions = restrict(user, "partyposition.change").values("pk")
    return (
        PositionClaim.objects.filter(Q(position__in=positions) | Q(member__person__user=user), pk=pk)
        .filter(withdrawn_on__isnull=True)
        .select_related("position__community", "member__person", "unit")
        .first()
    )


# --- 双报到 report -------------------------------------------------------------------------------------------------


def half_year_bounds(year: int, half: int) -> tuple[dt.date, dt.date]:
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else (dt.date(year, 7, 1), dt.date(year, 12, 31))


def half_year_report(*, user, year: int, half: int) -> dict:
    """What each reported member and each unit did in the half year: hours, wishes, activities, projects, and the
    members' 结对帮扶 visits and the help given (for party roles only)."""
    start, end = half_year_bounds(year, half)
    units = restrict(user, "partyunit.view", ReportingUnit.objects.all())
    # Who held a position at any time in the half year (withdrawn during it still report what they did).
    claims = (
        PositionClaim.objects.filter(position__in=restrict(user, "partyposition.view", Position.objects.all()))
        .exclude(withdrawn_on__lt=start)
        .select_related("member__person", "position", "unit")
    )
    records = ServiceRecord.objects.filter(on__gte=start, on__lte=end)
    by_member = {
        r["member_id"]: r
        for r in records.filter(member__isnull=False)
        .values("member_id")
        .annotate(hours=Sum("hours"), wishes=Sum("wishes"), activities=Count("pk"))
    }
    by_unit = {
        r["unit_id"]: r
        for r in records.filter(unit__isnull=False)
        .values("unit_id")
        .annotate(hours=Sum("hours"), wishes=Sum("wishes"), activities=Count("pk"))
    }
    projects = defaultdict(list)
    for p in Project.objects.filter(unit__in=units, year=year):
        projects[p.unit_id].append(p)
    # 结对帮扶: visits in the half year and the help given, only for those who may see the members (party roles):
    # the help given says what the household lacks.
    visits = defaultdict(list)
    for v in (
        PairingVisit.objects.filter(
            on__gte=start, on__lte=end, pairing__member__in=restrict(user, "partymember.view").values("pk")
        )
        .select_related("pairing__member__person")
        .order_by("on", "pk")
    ):
        visits[v.pairing.member_id].append(v)
    members: dict[int, dict] = {}
    for c in claims.order_by("member__person__name", "claimed_on", "pk"):
        row = members.setdefault(c.member_id, {"name": c.member.person.name, "units": [], "positions": []})
        if c.unit and c.unit.name not in row["units"]:
            row["units"].append(c.unit.name)
        label = c.position.name + ("（已撤销）" if c.withdrawn_on and c.withdrawn_on <= end else "")
        if label not in row["positions"]:
            row["positions"].append(label)
    for member_id, vs in visits.items():
        members.setdefault(member_id, {"name": vs[0].pairing.member.person.name, "units": [], "positions": []})
    member_rows = []
    for member_id, row in sorted(members.items(), key=lambda kv: (kv[1]["name"], kv[0])):
        r = by_member.get(member_id, {})
        vs = visits.get(member_id, [])
        member_rows.append(
            {
                "name": row["name"],
                "unit": "、".join(row["units"]),
                "position": "、".join(row["positions"]) or "—",
                "hours": r.get("hours") or Decimal("0"),
                "wishes": r.get("wishes") or 0,
                "activities": r.get("activities") or 0,
                "visits": len(vs),
                "help": "；".join(f"{v.on:%m-%d} {v.help_given}" for v in vs),
            }
        )
    unit_rows_ = []
    for u in units.order_by("name"):
        r = by_unit.get(u.pk, {})
        unit_rows_.append(
            {
                "name": u.name,
                "party_org": u.unit_party_org,
                "hours": r.get("hours") or Decimal("0"),
                "wishes": r.get("wishes") or 0,
                "activities": r.get("activities") or 0,
                "projects": "；".join(f"{p.title}（{p.progress}%）" for p in projects.get(u.pk, [])),
                "funds": sum((p.funds for p in projects.get(u.pk, [])), Decimal("0")),
            }
        )
    return {"year": year, "half": half, "start": start, "end": end, "members": member_rows, "units": unit_rows_}


def unit_projects(*, unit):
    return unit.projects.prefetch_related("files")


def position_claims(*, position, withdrawn: bool = False):
    """The position's current claims, or (``withdrawn=True``) the withdrawn ones, newest first."""
    return (
        position.claims.filter(withdrawn_on__isnull=not withdrawn)
        .select_related("member__person", "member__organization", "unit")
        .order_by("-withdrawn_on", "-claimed_on", "-pk")
    )


def member_pairings(*, member):
    return member.pairings.select_related("household__householder").prefetch_related("visits")


def open_positions(*, member) -> list[Position]:
    """The positions of the communities above the member's organisation, with how many are claimed (双报到认岗)."""
    path = member.region_path or ""
    prefixes = [path[:i] for i in range(1, len(path) + 1)]  # every node above (and at) the member's organisation
    return list(position_rows().filter(region_path__in=prefixes))


def my_claims(*, member):
    return member.claims.filter(withdrawn_on__isnull=True).select_related("position", "unit")


def person_by_id_number(number: str):
    """The registered person with this resident ID number (the secretary types it: nothing is revealed by it)."""
    from linli.people.models import Person
    from linli.people.services import id_hash

    number = (number or "").strip().upper()
    if not number:
        return None
    return Person.objects.filter(id_number_hash=id_hash(Person.IdType.RESIDENT_ID, number), is_active=True).first()


def communities_for(*, user):
    """Communities under the user's grants (where a unit reports, a position or a cadre sits)."""
    return regions_for(user=user).filter(level__code="community")


def regions_for(*, user):
    """Regions under the user's grants, down to grids (for placing an organisation)."""
    from linli.core.models import Region
    from linli.core.scoping import region_prefixes

    prefixes = region_prefixes(user)
    qs = Region.objects.filter(level__code__in=("district", "street", "community", "grid"))
    if prefixes is not None:
        q = Q(pk__in=[])
        for p in prefixes:
            q |= Q(path__startswith=p)
        qs = qs.filter(q)
    return qs.order_by("path")


# --- the console start page --------------------------------------------------------------------------------------


def home_cards(user) -> list:
    """Start-page cards: a member's branch, next meeting and study hours; a secretary's behind-cycle organisations
    and the meetings of the coming two weeks."""
    from django.urls import reverse

    from linli.core.home import HomeCard, HomeList, HomeListRow
    from linli.core.scoping import has_action

    cards: list = []
    if not user.is_authenticated:
        return cards
    today = timezone.localdate()
    member = my_member(user=user)
    if member is not None:
        cards.append(
            HomeCard("我的党组织", member.organization.name, reverse("party:my_branch"), "党员 · 本人所在组织")
        )
        upcoming = (
            my_meetings(user=user).filter(status=Meeting.Status.PLANNED, starts_at__gte=timezone.now()).order_by("starts_at").first()
        )  # fmt: skip
        cards.append(
            HomeCard(
                "下次组织生活",
                timezone.localtime(upcoming.starts_at).strftime("%m月%d日 %H:%M") if upcoming else "暂无",
                reverse("party:my_meeting", args=[upcoming.pk]) if upcoming else reverse("party:my_meetings"),
                f"{upcoming.get_kind_display()} · {upcoming.title}" if upcoming else "支部计划会议后将通知您",
            )
        )
        cards.append(
            HomeCard(
                f"{today.year}年学时",
                str(study_hours(member=member, year=today.year)),
                reverse("party:my_learning"),
                "本人学习时长累计",
            )  # fmt: skip
        )
    if has_action(user, "partymeeting.change") and has_action(user, "partymember.view"):
        behind = [c for c in compliance(user=user, year=today.year, today=today) if c.behind]
        url = reverse("party:compliance")
        cards.append(
            HomeCard(
                "组织生活未达标",
                len(behind),
                f"{url}?year={today.year}&behind=1",
                "本年已开始的周期数多于已开会议的支部/党小组",
                "danger" if behind else "",
            )  # fmt: skip
        )
        soon = (
            restrict(user, "partymeeting.view", meeting_rows())
            .filter(status=Meeting.Status.PLANNED, starts_at__gte=timezone.now(),
                    starts_at__lt=timezone.now() + dt.timedelta(days=14))
            .order_by("starts_at")[:5]
        )  # fmt: skip
        cards.append(
            HomeList(
                "近两周的组织生活",
                [
                    HomeListRow(
                        f"{m.organization.name} · {m.get_kind_display()}",
                        m.get_absolute_url(),
                        timezone.localtime(m.starts_at).strftime("%m-%d %H:%M"),
                    )  # fmt: skip
                    for m in soon
                ],
                more_url=reverse("party:partymeeting_calendar"),
                empty="近两周没有计划的会议",
                side=True,
            )
        )
    return cards


def position_holders(*, region_path: str, position: str | None = None) -> list[dict]:
    """The members holding a 双报到 position (党建指导员, 便民服务员, 民意收集员…) in the communities that cover
    ``region_path`` (a grid's community) or lie under it (a street's communities), optionally of one position.

    Offered to other apps as ``party.position_holders`` (volunteering dispatches a wish to them): one dict per
    holding, ``{"user_id", "person_id", "name", "position", "position_id", "community"}``; ``user_id`` is ``None``
    for a member without an account. Only active members; no identity numbers or phones leave this app.
    """
    if not region_path:
        return []
    from linli.core.models import Region

    step = Region.steplen
    covering = [region_path[:n] for n in range(step, len(region_path) + 1, step)]
    claims = PositionClaim.objects.filter(
        Q(position__region_path__in=covering) | Q(position__region_path__startswith=region_path),
        member__is_active=True,
        withdrawn_on__isnull=True,
    ).select_related("position__community", "member__person")
    if position:
        claims = claims.filter(position__name=position)
    return [
        {
            "user_id": c.member.person.user_id,
            "person_id": c.member.person_id,
            "name": c.member.person.name,
            "position": c.position.name,
            "position_id": c.position_id,
            "community": c.position.community.name,
        }
        for c in claims.order_by("position__name", "member__person__name", "pk")
    ]
