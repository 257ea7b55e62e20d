"""Demo visits (走访): visit cycles per tag and a few weeks of visits, so the reminder list is believable.

``build(seed)`` is called by ``manage.py linli_demo`` after the persons, tags and accounts exist. About three in
five key persons were visited within their cycle, one in four is overdue, the rest were never visited.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from linli.core.models import Grant
from linli.core.roles import Role
from linli.people.models import Person, Tag, Visit, VisitCycle

# (tag code, every N days): 独居老人 weekly, 困境儿童/留守儿童 fortnightly, 重点人员 monthly.
CYCLES = [
    ("living_alone_elderly", 7),
    ("child_in_difficulty", 14),
    ("left_behind_child", 14),
    ("community_correction", 30),
    ("released_prisoner", 30),
]

NOTES = {
    "living_alone_elderly": [
        "老人精神状态良好，血压药按时在吃，冰箱里有菜。",
        "老人说最近腿脚不太方便，下楼买菜吃力。",
        "检查了燃气阀门和电热毯，提醒睡前关闭。",
        "老人独自在家，家中卫生较差，已联系志愿者周末上门打扫。",
        "电话随访，老人说女儿上周回来过，一切都好。",
    ],
    "child_in_difficulty": [
        "孩子在校表现正常，监护人反映学习用品有缺口。",
        "与监护人沟通了低保续办材料，孩子身体健康。",
        "孩子近期情绪低落，已告知学校老师关注。",
    ],
    "left_behind_child": ["奶奶照看，孩子按时上学，作业有人辅导。", "与在外务工的父母视频通话，了解孩子近况。"],
    "community_correction": ["按时报到，工作稳定，无异常。", "家属反映近期情绪稳定，已提醒按时参加集中学习。"],
    "released_prisoner": ["已在物流公司就业，居住稳定。", "帮扶就业意向登记，推荐参加技能培训。"],
}
FOLLOW_UPS = ["楼道扶手松动，需报修", "申请居家养老助餐服务", "联系社区卫生服务站上门体检", "协助办理临时救助"]


@transaction.atomic
def build(seed: int = 2026) -> int:
    """Create the visit cycles and recent visits; returns how many visits were created."""
    rng = random.Random(f"{seed}:visits")
    today = timezone.localdate()
    tags = {t.code: t for t in Tag.objects.filter(code__in=[code for code, _ in CYCLES])}
    for code, days in CYCLES:
        if code in tags:
            VisitCycle.objects.update_or_create(tag=tags[code], defaults={"every_days": days, "active": True})
    workers = [
        (g.region.path, g.user)
        for g in Grant.objects.filter(role=Role.GRID_WORKER, region__isnull=False).select_related("region", "user")
    ]
    cycle_of = dict(CYCLES)
    persons = (
        Person.objects.filter(is_active=True, region__isnull=False, tag_assignments__tag__code__in=list(cycle_of))
        .select_related("region")
        .prefetch_related("tag_assignments__tag")
        .distinct()
        .order_by("pk")
    )
    rows: list[Visit] = []
    for person in persons:
        codes = [a.tag.code for a in person.tag_assignments.all() if a.tag.code in cycle_of]
        code = min(codes, key=lambda c: cycle_of[c])
        every = cycle_of[code]
        worker = next((user for path, user in workers if person.region_path.startswith(path)), None)
        roll = rng.random()
        if roll < 0.15:
            continue  # never visited yet
        # The latest visit: within the cycle for most, a little too long ago for about a quarter.
        last = rng.randint(0, every - 1) if roll < 0.75 else rng.randint(every + 1, every * 2 + 3)
        days_ago = [last] + [last + every * k + rng.randint(-2, 2) for k in range(1, rng.randint(1, 3))]
        for ago in days_ago:
            follow = rng.random() < 0.15
            rows.append(
                Visit(
                    person=person,
                    household_id=person.household_id,
                    region=person.region,
                    region_path=person.region_path,
                    visitor=worker,
                    visitor_name=worker.display_name if worker else "网格员",
                    visited_on=today - dt.timedelta(days=max(0, ago)),
                    kind=rng.choice([Visit.Kind.HOME] * 3 + [Visit.Kind.PHONE]),
                    notes=rng.choice(NOTES[code]),
                    follow_up_needed=follow,
                    follow_up=rng.choice(FOLLOW_UPS) if follow else "",
                )
            )
    Visit.objects.bulk_create(rows, batch_size=500)
    return len(rows)
