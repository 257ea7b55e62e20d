"""Deterministic demo data: 西秀区 with a full-size 彩虹社区, houses, people, tags, places and demo accounts."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from linli.core import bulk, crypto, masking
from linli.core import services as core_services
from linli.core.geo import point_in_polygon
from linli.core.identity import credit_check_char, id_check_digit
from linli.core.models import Organisation, Region, RegionLevel, User
from linli.core.roles import Role
from linli.housing import services as housing_services
from linli.housing.models import Building, Compound, House, Unit
from linli.people import services as people_services
from linli.people.models import Entity, Household, Person, Place, Residency, Tag, TagAssignment

DEFAULT_PERSONS = 6908
DEFAULT_SEED = 1
BATCH = 5000
PROGRESS_EVERY = 50_000

# 彩虹社区 as counted: 5 grids, 115 十联户, 45 buildings, 1,305 households, 6,908 persons.
BASE_PERSONS, BASE_HOUSEHOLDS, BASE_UNITS = 6908, 1305, 115
HOUSEHOLDS_PER_BUILDING = 29
BUILDINGS_PER_GRID = 9

CENTER_LAT, CENTER_LNG = 26.245, 105.932
M_PER_DEG_LAT = 110_574.0


# --- reference data --------------------------------------------------------------------------------


def _weights(spec: str) -> tuple[list[str], list[int]]:
    """'王720 李720 …' or '520402:800 …' → (values, cumulative weights) for ``Random.choices``."""
    if ":" in spec:
        pairs = [item.split(":") for item in spec.split()]
    else:
        pairs = re.findall(r"(\D+?)(\d+)", spec.replace(" ", ""))
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += int(weight)
        values.append(value)
        cum.append(total)
    return values, cum


SURNAMES = _weights(
    "王720 李720 张680 刘540 陈450 杨520 黄230 赵220 吴260 周200 徐160 孙150 马120 朱120 胡120 郭110 何110 高100 "
    "林100 罗200 郑90 梁80 谢70 宋60 唐60 许50 韩50 冯50 邓50 曹50 彭50 曾45 肖45 田80 董40 袁40 潘60 于35 蒋35 "
    "蔡35 余35 杜35 叶30 程30 苏30 魏30 吕30 丁30 任30 沈30 姚30 卢30 姜30 崔25 钟25 谭25 陆25 汪25 范25 金25 "
    "石60 廖25 贾20 夏20 韦70 付20 方20 白20 邹20 孟20 熊40 秦20 邱20 江20 尹20 薛15 闫15 段15 雷15 侯15 龙60 "
    "史15 陶15 黎15 贺15 顾15 毛15 郝12 龚12 邵12 万12 钱12 严12 覃12 武12 戴12 莫12 孔10 向10 汤10 安15 岑6 "
    "蒙8 班4 伍8 麻4 欧阳3 司马1 上官1 诸葛1 东方1 皇甫1 令狐1 慕容1 司徒1 夏侯1"
)
ETHNIC_SURNAMES = {
    "布依族": _weights("韦30 罗25 王20 陆12 岑8 杨15 黄12 班6 伍8 蒙8 吴6"),
    "苗族": _weights("杨30 吴20 龙20 石15 王10 张8 熊10 麻5 潘8 罗6 李6"),
    "仡佬族": _weights("王15 李10 张8 罗8 杨8 陈6 黄6 吴6 付4"),
}
# 西秀区 townspeople: mostly 汉族, with the 布依族, 苗族 and 仡佬族 of the Anshun countryside.
ETHNICITIES = _weights("汉族760 布依族110 苗族85 仡佬族15 回族10 彝族5 土家族6 侗族4 水族3 白族2")
FLOATING_ETHNICITIES = _weights("汉族900 土家族25 苗族25 布依族15 彝族15 壮族10 侗族10")

# Given names by generation (born before 1958, 1958–1982, 1983–2004, 2005 on) and sex.
GIVEN = {
    ("old", "M"): "德明 国华 建国 志明 文华 永福 长生 光明 振华 明德 福贵 庆云 学文 绍华 正兴 世荣 启明 家顺 发强 有才 "
    "国强 春生 树林 金贵 玉林 荣 贵 林 福 华 忠 义 顺 兴 德胜 开明 云峰 克勤",
    ("old", "F"): "秀英 桂英 玉兰 淑珍 凤英 兰英 桂芳 秀兰 玉珍 翠花 素芬 桂兰 秀珍 淑英 玉梅 金花 秀芳 凤兰 春兰 美英 "
    "芬 兰 珍 英 梅 菊 莲 德芬 银花 素珍",
    ("mid", "M"): "伟 勇 军 杰 涛 斌 强 刚 平 辉 波 明 华 建华 建军 志强 晓东 海军 国庆 卫东 红兵 建平 小平 文军 永刚 "
    "德华 成 健 峰 鹏 松 林 海 宏 光辉 正平 明亮 学军",
    ("mid", "F"): "丽 静 敏 艳 燕 霞 娟 芳 红 萍 玲 海燕 红梅 春梅 丽娟 晓红 小红 雪梅 丽华 秀琴 美玲 晓燕 亚平 建英 "
    "玉霞 琴 莉 丽萍 桂香 晓琴",
    ("young", "M"): "磊 鹏 浩 超 亮 凯 宇 帅 旭 阳 俊杰 浩然 宇航 子豪 文博 博文 天宇 志远 明轩 建伟 家豪 俊豪 嘉伟 鑫 "
    "泽宇 一鸣 晨阳 思远 俊 杨 昊 振宇 文杰",
    ("young", "F"): "婷 雪 倩 佳 洁 琳 颖 欣怡 思雨 梦琪 雨涵 婷婷 佳怡 晓雪 诗雨 梦瑶 雪莹 心怡 钰 雅婷 静怡 紫薇 "
    "丹丹 莉 娜 露 蕾 雯 媛媛 玉洁",
    ("kid", "M"): "浩宇 子轩 宇轩 沐宸 梓睿 奕辰 锦程 昊然 睿 铭 一诺 宸 博 俊熙 承泽 梓豪 宇泽 皓轩 子墨 明哲 煜 "
    "烁 嘉懿 梓涵 天佑 宇辰 锦轩 浩轩 思源 瑞",
    ("kid", "F"): "梓萱 若汐 欣怡 诗涵 依诺 语桐 可馨 瑾萱 一诺 雨桐 梓涵 芷若 子涵 欣妍 思彤 悦 沫 玥 初夏 艺涵 "
    "安琪 语嫣 梦琪 佳琪 雨萱 诗琪 可欣 紫涵 芊芊 若曦",
}
GIVEN = {key: value.split() for key, value in GIVEN.items()}

ANSHUN = "贵州省安顺市"
AREAS = {
    "520402": ANSHUN + "西秀区",
    "520403": ANSHUN + "平坝区",
    "520421": ANSHUN + "平坝县",
    "520422": ANSHUN + "普定县",
    "520423": ANSHUN + "镇宁布依族苗族自治县",
    "520424": ANSHUN + "关岭布依族苗族自治县",
    "520425": ANSHUN + "紫云苗族布依族自治县",
    "520102": "贵州省贵阳市南明区",
    "520103": "贵州省贵阳市云岩区",
    "520201": "贵州省六盘水市钟山区",
    "520302": "贵州省遵义市红花岗区",
    "520502": "贵州省毕节市七星关区",
    "522301": "贵州省黔西南布依族苗族自治州兴义市",
    "522601": "贵州省黔东南苗族侗族自治州凯里市",
    "522701": "贵州省黔南布依族苗族自治州都匀市",
    "510104": "四川省成都市锦江区",
    "511302": "四川省南充市顺庆区",
    "500101": "重庆市万州区",
    "500110": "重庆市綦江区",
    "530102": "云南省昆明市五华区",
    "530302": "云南省曲靖市麒麟区",
    "430102": "湖南省长沙市芙蓉区",
    "431202": "湖南省怀化市鹤城区",
    "450102": "广西壮族自治区南宁市兴宁区",
    "420102": "湖北省武汉市江岸区",
    "360102": "江西省南昌市东湖区",
    "410102": "河南省郑州市中原区",
    "440106": "广东省广州市天河区",
    "330102": "浙江省杭州市上城区",
}
LOCAL_AREAS = _weights(
    "520402:800 520403:40 520421:20 520422:40 520423:30 520424:20 520425:20 520102:10 520201:8 520502:8"
)
GUIZHOU_AREAS = _weights(
    "520403:20 520422:20 520423:15 520424:10 520425:10 520102:15 520103:10 520201:10 520302:10 "
    "520502:12 522301:8 522601:8 522701:8"
)
OTHER_AREAS = _weights(
    "510104:20 511302:15 500101:15 500110:12 530102:12 530302:10 430102:8 431202:10 450102:8 "
    "420102:5 360102:4 410102:5 440106:3 330102:3"
)

PHONE_PREFIXES = (
    "138 139 135 136 137 150 151 152 157 158 159 182 183 187 188 130 131 132 155 156 185 186 133 "
    "153 180 181 189 177 199 166 173 191 195 198"
).split()

WORKPLACES = _weights(
    "安顺市人民医院30 安顺市中医院15 西秀区人民医院15 西秀区实验小学10 安顺市第一高级中学8 安顺学院10 "
    "安顺职业技术学院8 贵州安大航空锻造有限责任公司15 贵州百灵企业集团制药股份有限公司15 中国移动安顺分公司8 "
    "中国电信安顺分公司6 国家电网安顺供电局10 安顺市公共交通有限公司8 贵州银行安顺分行6 安顺农村商业银行8 "
    "西秀区人民政府8 新安街道办事处5 安顺市公安局西秀分局6 安顺万达广场15 国贸广场12 黄果树旅游区管理委员会6 "
    "安顺市自来水公司5 安顺经济技术开发区管理委员会5 个体经营120 自由职业50 务工120 建筑工地务工40 家政服务20 "
    "餐饮服务40 批发零售60"
)
MIGRANT_WORK = _weights("务工40 建筑工地务工30 个体经营25 餐饮服务20 家政服务10 批发零售15 物流运输10")
NEW_EMPLOYMENT = (
    "美团外卖（骑手）",
    "饿了么（骑手）",
    "顺丰速运（快递员）",
    "中通快递（快递员）",
    "韵达快递（快递员）",
    "滴滴出行（网约车司机）",
    "货拉拉（货车司机）",
    "抖音电商（主播）",
)
COLLEGES = ("安顺学院", "安顺职业技术学院", "贵州大学", "贵州师范大学", "贵州医科大学")
DISABILITIES = ("肢体残疾", "视力残疾", "听力残疾", "言语残疾", "智力残疾", "精神残疾")

OVERSEAS = (
    ("阮文雄", "M", "越南"),
    ("阮氏兰", "F", "越南"),
    ("金敏俊", "M", "韩国"),
    ("朴智妍", "F", "韩国"),
    ("山田浩二", "M", "日本"),
    ("佐藤美咲", "F", "日本"),
    ("约翰·史密斯", "M", "美国"),
    ("艾米丽·布朗", "F", "英国"),
    ("安娜·彼得罗娃", "F", "俄罗斯"),
    ("颂猜·通萨", "M", "泰国"),
    ("陈家豪", "M", "中国香港"),
    ("林佩君", "F", "中国台湾"),
)

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五, 725 → 七百二十五 (up to 9999)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += CN_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


# --- people --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonSpec:
    """One person as planned, before encryption and saving."""

    name: str
    sex: str
    birth: dt.date
    relation: str
    id_type: str = Person.IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    ethnicity: str = "汉族"
    hukou_address: str = ""
    person_type: str = Person.PersonType.RESIDENT
    political: str = Person.Political.NONE
    workplace: str = ""
    notes: str = ""
    tags: list = field(default_factory=list)  # [(code, note, since)]

    def age(self, today: dt.date) -> int:
        return today.year - self.birth.year - ((today.month, today.day) < (self.birth.month, self.birth.day))


# Household shapes by size: (weight, shape name, arguments).
OWNER_SHAPES = {
    1: [(55, "alone_old", ()), (45, "single", ())],
    2: [(45, "couple_old", ()), (25, "couple_young", ()), (15, "single_parent", (1,)), (15, "with_parent", ())],
    3: [(55, "nuclear", (1,)), (15, "parents", (0, 1)), (10, "single_parent", (2,)), (20, "left_behind", (1,))],
    4: [(50, "nuclear", (2,)), (30, "parents", (1, 1)), (10, "left_behind", (2,)), (10, "three_gen", (0,))],
    5: [(40, "parents", (2, 1)), (15, "nuclear", (3,)), (30, "three_gen", (1,)), (15, "parents", (1, 2))],
    6: [(25, "parents", (2, 2)), (30, "three_gen", (2,)), (25, "parents", (3, 1)), (20, "with_sibling", (2,))],
}
TENANT_SHAPES = {
    1: [(100, "worker", ())],
    2: [(60, "couple_young", ()), (40, "coworkers", (2,))],
    3: [(70, "nuclear", (1,)), (30, "coworkers", (3,))],
    4: [(100, "nuclear", (2,))],
    5: [(100, "parents", (2, 1))],
    6: [(100, "parents", (2, 2))],
}
OWNER_SIZE_WEIGHTS = [10, 20, 30, 50, 150, 740]
TENANT_SIZE_WEIGHTS = [200, 300, 250, 170, 80, 0]


class PeopleFactory:
    """Plans households of realistic people: names, ages, relations, ID numbers, phones and tags."""

    def __init__(self, seed, today: dt.date, hukou_here: str):
        self.rng = random.Random(f"{seed}:people")
        self.today = today
        self.hukou_here = hukou_here
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.passports = 0

    # names, dates, numbers

    def surname(self, ethnicity: str = "汉族") -> str:
        rng = self.rng
        values, cum = ETHNIC_SURNAMES.get(ethnicity, SURNAMES) if rng.random() < 0.7 else SURNAMES
        return rng.choices(values, cum_weights=cum)[0]

    def given(self, sex: str, birth: dt.date) -> str:
        year = birth.year
        gen = "old" if year < 1958 else "mid" if year < 1983 else "young" if year < 2005 else "kid"
        return self.rng.choice(GIVEN[(gen, sex)])

    def birth(self, age: int) -> dt.date:
        today = self.today
        try:
            anchor = today.replace(year=today.year - age)
        except ValueError:  # 29 February
            anchor = today.replace(year=today.year - age, day=28)
        return anchor - dt.timedelta(days=self.rng.randint(0, 364))

    def id_number(self, area: str, birth: dt.date, sex: str) -> str:
        rng = self.rng
        if area == "520421" and birth.year >= 2012:
            area = "520403"
        while True:
            body = f"{area}{birth:%Y%m%d}{rng.randint(0, 99):02d}{rng.choice('13579' if sex == 'M' else '02468')}"
            number = body + id_check_digit(body)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        rng = self.rng
        while True:
            number = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def area(self, table) -> str:
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    def ethnicity(self, floating: bool = False) -> str:
        table = FLOATING_ETHNICITIES if floating else ETHNICITIES
        return self.rng.choices(table[0], cum_weights=table[1])[0]

    # one person

    def person(self, relation: str, age: int, sex: str, surname: str, ethnicity: str) -> PersonSpec:
        birth = self.birth(max(0, min(age, 99)))
        return PersonSpec(
            name=surname + self.given(sex, birth), sex=sex, birth=birth, relation=relation, ethnicity=ethnicity
        )

    # households

    def household(self, kind: str, size: int) -> list[PersonSpec]:
        """Plan the members of one household; the householder comes first."""
        rng = self.rng
        if kind == "overseas":
            return self._overseas(size)
        shapes = (OWNER_SHAPES if kind == "owner" else TENANT_SHAPES)[size]
        _, shape, args = rng.choices(shapes, weights=[s[0] for s in shapes])[0]
        floating = kind == "tenant" and rng.random() < 0.85
        ethnicity = self.ethnicity(floating)
        members = getattr(self, f"_shape_{shape}")(ethnicity, *args)
        self._identity(members, kind, floating)
        self._attributes(members, kind, shape)
        return members

    def _spouse(self, head: PersonSpec, ethnicity: str) -> PersonSpec:
        rng = self.rng
        age = head.age(self.today)
        spouse_age = age - rng.randint(-2, 6) if head.sex == "M" else age + rng.randint(-2, 6)
        sex = "F" if head.sex == "M" else "M"
        eth = ethnicity if rng.random() < 0.8 else self.ethnicity()
        return self.person("spouse", max(20, spouse_age), sex, self.surname(eth), eth)

    def _children(self, father, mother, count: int, ethnicity: str, relation="child", lo=0, hi=30) -> list:
        rng = self.rng
        young = min(p.age(self.today) for p in (father, mother) if p is not None)
        family = (father or mother).name[: self._surname_len((father or mother).name)]
        kids = []
        for _ in range(count):
            top = min(hi, young - 20)
            bottom = max(lo, young - 40)
            age = rng.randint(bottom, top) if top >= bottom else max(0, top)
            sex = "M" if rng.random() < 0.515 else "F"
            surname = family if rng.random() < 0.95 or mother is None else mother.name[: self._surname_len(mother.name)]
            kids.append(self.person(relation, age, sex, surname, ethnicity))
        return kids

    @staticmethod
    def _surname_len(name: str) -> int:
        return 2 if name[:2] in {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "司徒", "夏侯"} else 1

    def _couple(self, ethnicity: str, lo: int, hi: int, male_head=0.75):
        head_sex = "M" if self.rng.random() < male_head else "F"
        head = self.person("self", self.rng.randint(lo, hi), head_sex, self.surname(ethnicity), ethnicity)
        spouse = self._spouse(head, ethnicity)
        father, mother = (head, spouse) if head.sex == "M" else (spouse, head)
        return head, spouse, father, mother

    def _parents(self, head: PersonSpec, count: int, ethnicity: str) -> list:
        rng = self.rng
        age = head.age(self.today)
        surname = head.name[: self._surname_len(head.name)]
        father_age = min(96, age + rng.randint(24, 36))
        out = []
        if count == 2:
            out.append(self.person("parent", father_age, "M", surname, ethnicity))
            out.append(
                self.person("parent", max(age + 20, father_age - rng.randint(0, 5)), "F", self.surname(), ethnicity)
            )
        elif rng.random() < 0.35:
            out.append(self.person("parent", father_age, "M", surname, ethnicity))
        else:
            out.append(self.person("parent", min(96, age + rng.randint(21, 34)), "F", self.surname(), ethnicity))
        return out

    def _shape_alone_old(self, ethnicity):
        sex = "F" if self.rng.random() < 0.62 else "M"
        return [self.person("self", self.rng.randint(66, 92), sex, self.surname(ethnicity), ethnicity)]

    def _shape_single(self, ethnicity):
        sex = "M" if self.rng.random() < 0.55 else "F"
        return [self.person("self", self.rng.randint(22, 58), sex, self.surname(ethnicity), ethnicity)]

    _shape_worker = _shape_single

    def _shape_couple_old(self, ethnicity):
        head, spouse, _, _ = self._couple(ethnicity, 62, 86, 0.85)
        return [head, spouse]

    def _shape_couple_young(self, ethnicity):
        head, spouse, _, _ = self._couple(ethnicity, 24, 36)
        return [head, spouse]

    def _shape_single_parent(self, ethnicity, kids):
        sex = "F" if self.rng.random() < 0.75 else "M"
        head = self.person("self", self.rng.randint(28, 50), sex, self.surname(ethnicity), ethnicity)
        father, mother = (head, None) if sex == "M" else (None, head)
        return [head, *self._children(father, mother, kids, ethnicity, hi=20)]

    def _shape_with_parent(self, ethnicity):
        sex = "M" if self.rng.random() < 0.6 else "F"
        head = self.person("self", self.rng.randint(25, 55), sex, self.surname(ethnicity), ethnicity)
        return [head, *self._parents(head, 1, ethnicity)]

    def _shape_nuclear(self, ethnicity, kids):
        head, spouse, father, mother = self._couple(ethnicity, 29, 56)
        return [head, spouse, *self._children(father, mother, kids, ethnicity, hi=28)]

    def _shape_parents(self, ethnicity, kids, parents):
        head, spouse, father, mother = self._couple(ethnicity, 31, 56)
        return [
            head,
            spouse,
            *self._children(father, mother, kids, ethnicity, hi=26),
            *self._parents(head, parents, ethnicity),
        ]

    def _shape_with_sibling(self, ethnicity, kids):
        rng = self.rng
        members = self._shape_parents(ethnicity, kids, 1)
        head = members[0]
        age = max(18, head.age(self.today) + rng.choice((-1, 1)) * rng.randint(1, 10))
        sex = "M" if rng.random() < 0.5 else "F"
        members.append(self.person("sibling", age, sex, head.name[: self._surname_len(head.name)], ethnicity))
        return members

    def _shape_three_gen(self, ethnicity, grandkids):
        rng = self.rng
        head, spouse, father, mother = self._couple(ethnicity, 52, 72, 0.85)
        child = self._children(father, mother, 1, ethnicity, lo=24, hi=40)[0]
        eth = ethnicity if rng.random() < 0.75 else self.ethnicity()
        in_law = self.person(
            "in_law",
            max(22, child.age(self.today) + rng.randint(-4, 4)),
            "F" if child.sex == "M" else "M",
            self.surname(eth),
            eth,
        )
        dad, mum = (child, in_law) if child.sex == "M" else (in_law, child)
        return [head, spouse, child, in_law, *self._children(dad, mum, grandkids, ethnicity, "grandchild", hi=18)]

    def _shape_left_behind(self, ethnicity, grandkids):
        rng = self.rng
        head, spouse, _, _ = self._couple(ethnicity, 55, 74, 0.8)
        surname = head.name[: self._surname_len(head.name)]
        kids = []
        for _ in range(grandkids):
            sex = "M" if rng.random() < 0.515 else "F"
            kids.append(self.person("grandchild", rng.randint(2, 15), sex, surname, ethnicity))
        return [head, spouse, *kids]

    def _shape_coworkers(self, ethnicity, count):
        rng = self.rng
        out = []
        for i in range(count):
            eth = ethnicity if rng.random() < 0.6 else self.ethnicity(True)
            sex = "M" if rng.random() < 0.65 else "F"
            out.append(self.person("self" if i == 0 else "other", rng.randint(18, 45), sex, self.surname(eth), eth))
        return out

    def _overseas(self, size: int) -> list[PersonSpec]:
        rng = self.rng
        out = []
        name, sex, country = rng.choice(OVERSEAS)
        for i in range(size):
            if i:
                pool = [o for o in OVERSEAS if o[2] == country and o[1] != sex] or [o for o in OVERSEAS if o[1] != sex]
                name, sex, country = rng.choice(pool)
            birth = self.birth(rng.randint(24, 58))
            self.passports += 1
            hkmotw = country.startswith("中国")
            spec = PersonSpec(
                name=name,
                sex=sex,
                birth=birth,
                relation="self" if i == 0 else "spouse",
                id_type=Person.IdType.HKMO_TW if hkmotw else Person.IdType.PASSPORT,
                id_number=("H" if hkmotw else rng.choice("EGKMNPS")) + f"{rng.randint(10**7, 10**8 - 1)}",
                ethnicity="",
                hukou_address=country if hkmotw else "",
                person_type=Person.PersonType.OVERSEAS,
                notes=f"国籍（地区）：{country}；签证/证件有效期至 {self.today.year + rng.randint(1, 3)} 年",
                workplace=rng.choice(("安顺学院（外籍教师）", "个体经营", "贵州百灵企业集团（外籍专家）", "自由职业")),
            )
            spec.phone = self.phone()
            spec.tags.append(("overseas_person", "", self.today - dt.timedelta(days=rng.randint(30, 700))))
            out.append(spec)
        return out

    def _identity(self, members: list[PersonSpec], kind: str, floating: bool) -> None:
        """Person type, ID number and 户籍地 for each member, consistent within the household."""
        rng = self.rng
        today = self.today
        if kind == "owner":
            head_type = Person.PersonType.REGISTERED if rng.random() < 0.76 else Person.PersonType.RESIDENT
            head_area = (
                self.area(LOCAL_AREAS) if head_type == Person.PersonType.REGISTERED else self.area(GUIZHOU_AREAS)
            )
        elif floating:
            head_type = Person.PersonType.FLOATING
            head_area = self.area(OTHER_AREAS) if rng.random() < 0.65 else self.area(GUIZHOU_AREAS)
        else:
            head_type, head_area = Person.PersonType.RESIDENT, self.area(GUIZHOU_AREAS)
        for spec in members:
            ptype, area = head_type, head_area
            if spec.relation in ("spouse", "in_law", "parent", "sibling", "other") and spec is not members[0]:
                roll = rng.random()
                if kind == "owner" and roll < 0.05:
                    ptype, area = Person.PersonType.FLOATING, self.area(OTHER_AREAS)
                elif kind == "owner" and roll < 0.25:
                    ptype = Person.PersonType.RESIDENT if ptype == Person.PersonType.REGISTERED else ptype
                    area = self.area(GUIZHOU_AREAS)
                elif roll < 0.5:
                    area = self.area(LOCAL_AREAS if kind == "owner" else GUIZHOU_AREAS)
            elif spec.relation in ("child", "grandchild") and kind == "owner" and spec.birth.year >= 1990:
                area = "520402" if ptype == Person.PersonType.REGISTERED else area
            spec.person_type = ptype
            spec.id_number = self.id_number(area, spec.birth, spec.sex)
            spec.hukou_address = self.hukou_here if ptype == Person.PersonType.REGISTERED else AREAS[area]
            if ptype == Person.PersonType.FLOATING:
                spec.tags.append(("floating", "", today - dt.timedelta(days=rng.randint(30, 1500))))

    def _attributes(self, members: list[PersonSpec], kind: str, shape: str) -> None:
        """Phones, political status, work and the tags that follow from age, family and chance."""
        rng = self.rng
        today = self.today
        head = members[0]

        def since(spec, lo=30, hi=3000):
            day = today - dt.timedelta(days=rng.randint(lo, hi))
            return max(day, spec.birth)

        low_income = kind == "owner" and rng.random() < (0.12 if shape == "alone_old" else 0.018)
        for spec in members:
            age = spec.age(today)
            # phones
            p_phone = 0 if age < 12 else 0.25 if age < 16 else 0.93 if age < 75 else 0.55
            if spec is head and age >= 16:
                p_phone = 0.99
            if rng.random() < p_phone:
                spec.phone = self.phone()
            # political status
            male = spec.sex == "M"
            if age >= 18:
                p_cpc = 0.02 if age <= 25 else 0.075 if age <= 35 else 0.12 if age < 60 else 0.14
                p_cpc *= 1.3 if male else 0.7
                roll = rng.random()
                if roll < p_cpc:
                    spec.political = Person.Political.CPC
                    joined = spec.birth + dt.timedelta(
                        days=365 * rng.randint(18, max(18, min(age, 40))) + rng.randint(0, 300)
                    )
                    spec.tags.append(("party_member", "", min(joined, today)))
                elif roll < p_cpc + (0.005 if age <= 40 else 0):
                    spec.political = Person.Political.CPC_PROBATION
                    spec.tags.append(("party_member", "预备党员", since(spec, 30, 330)))
                elif age >= 30 and roll > 0.998:
                    spec.political = Person.Political.DEMOCRATIC
                elif age <= 28 and roll > 0.62:
                    spec.political = Person.Political.CYL
            elif age >= 14 and rng.random() < 0.4:
                spec.political = Person.Political.CYL
            # work
            retired = age >= (60 if male else 55)
            if 18 <= age <= 22 and rng.random() < 0.5:
                spec.workplace = rng.choice(COLLEGES) + "（在读）"
            elif 20 <= age <= 45 and rng.random() < 0.035:
                spec.workplace = rng.choice(NEW_EMPLOYMENT)
                spec.tags.append(("new_employment", "", since(spec, 30, 1500)))
            elif 18 <= age and not retired and rng.random() < 0.8:
                table = MIGRANT_WORK if spec.person_type == Person.PersonType.FLOATING else WORKPLACES
                spec.workplace = rng.choices(table[0], cum_weights=table[1])[0]
            # tags that follow from age and chance
            if (male and 25 <= age <= 85 and rng.random() < 0.06) or (
                not male and 25 <= age <= 60 and rng.random() < 0.004
            ):
                year = min(today.year - 1, spec.birth.year + rng.randint(20, 26))
                spec.tags.append(("veteran", f"{year} 年退役", dt.date(year, rng.randint(1, 12), 1)))
            p_disabled = 0.005 if age < 18 else 0.015 if age < 60 else 0.04 if age < 80 else 0.08
            if rng.random() < p_disabled:
                note = f"{rng.choice(DISABILITIES)}{cn_number(rng.randint(1, 4))}级"
                spec.tags.append(("disabled", note, since(spec, 200, 6000)))
            if not male and 22 <= age <= 40 and spec.relation in ("self", "spouse", "in_law") and rng.random() < 0.05:
                spec.tags.append(("pregnant", "", since(spec, 20, 250)))
            if age >= 40 and rng.random() < (0.02 if age >= 65 else 0.008):
                spec.tags.append(("serious_illness", "", since(spec, 60, 2000)))
            if age >= 18 and rng.random() < 0.004:
                spec.tags.append(("mental_disorder", "", since(spec, 200, 4000)))
            if male and 20 <= age <= 55 and rng.random() < 0.001:
                spec.tags.append(("community_correction", "", since(spec, 30, 700)))
            elif male and 25 <= age <= 65 and rng.random() < 0.003:
                spec.tags.append(("released_prisoner", "", since(spec, 100, 3000)))
            if age < 18 and rng.random() < (0.3 if low_income else 0.005):
                spec.tags.append(("child_in_difficulty", "", since(spec, 30, 1500)))
            if low_income:
                spec.tags.append(("low_income", "", since(spec, 60, 2500)))
        # family situations
        if shape == "alone_old" and head.age(today) >= 70:
            head.tags.append(("living_alone_elderly", "", since(head, 30, 2500)))
        if shape == "couple_old" and all(m.age(today) >= 60 for m in members):
            for spec in members:
                spec.tags.append(("empty_nest_elderly", "子女在外地工作", since(spec, 30, 2500)))
        if shape == "left_behind":
            for spec in members[2:]:
                if spec.age(today) < 16:
                    spec.tags.append(("left_behind_child", "父母在外务工", since(spec, 30, 1500)))


# Tags: (group code, group name, [(code, name, sensitivity, requires consent, colour, description)]).
TAG_TREE = [
    (
        "grp_party",
        "党员与退役军人",
        [
            ("party_member", "党员", 0, False, "red", "中共党员和预备党员"),
            ("veteran", "退役军人", 1, False, "green", "退役军人及其优抚对象"),
        ],
    ),
    (
        "grp_key",
        "重点人群",
        [
            ("living_alone_elderly", "独居老人", 1, False, "orange", "70 岁以上独自居住的老人"),
            ("empty_nest_elderly", "空巢老人", 1, False, "yellow", "子女不在身边的 60 岁以上老人"),
            ("left_behind_child", "留守儿童", 2, False, "cyan", "父母外出务工的未成年人"),
            ("child_in_difficulty", "困境儿童", 2, False, "pink", "因家庭经济、疾病、监护等陷入困境的儿童"),
            ("disabled", "残疾人", 2, False, "purple", "持有残疾人证"),
            ("low_income", "低保户", 2, False, "azure", "城乡居民最低生活保障对象"),
        ],
    ),
    (
        "grp_health",
        "健康关爱",
        [
            ("pregnant", "孕产妇", 3, True, "pink", "孕期及产后 42 天内的妇女"),
            ("serious_illness", "重病患者", 3, True, "red", "重大疾病患者"),
            ("mental_disorder", "精神障碍患者", 3, True, "purple", "严重精神障碍患者，纳入社区关爱帮扶"),
        ],
    ),
    (
        "grp_special",
        "特殊人群",
        [
            ("community_correction", "社区矫正人员", 3, False, "dark", "依法实行社区矫正的人员"),
            ("released_prisoner", "刑满释放人员", 3, False, "secondary", "刑满释放五年内的人员"),
        ],
    ),
    (
        "grp_mobile",
        "流动人口与新业态",
        [
            ("floating", "流动人口", 0, False, "teal", "户籍不在本地、在本社区居住的人员"),
            ("overseas_person", "境外人员", 1, False, "indigo", "在本社区居住的境外人员"),
            ("new_employment", "新就业群体", 0, False, "lime", "快递员、外卖骑手、网约车司机等新就业形态劳动者"),
        ],
    ),
]


# --- layout ----------------------------------------------------------------------------------------------

# (kind, floors, units, houses per floor)
BUILDING_TYPES = [
    ("多层", 6, 2, 3),
    ("多层", 7, 3, 2),
    ("多层", 6, 3, 2),
    ("小高层", 11, 1, 3),
    ("高层", 18, 1, 2),
    ("多层", 5, 4, 2),
    ("多层", 4, 1, 2),
    ("多层", 6, 1, 2),
    ("多层", 5, 2, 2),
]

COMPOUND_PREFIXES = (
    "彩虹 锦绣 翠湖 阳光 虹山 金色 春华 塔山 桂园 龙泉 贯城 新世纪 东苑 文化 黔中 凤凰 惠民 安居 和谐 "
    "幸福 百合 紫荆 玉兰 丽景 名都 香樟 银杏 滨河 双阳 若飞 华西 南华 西航 中华 顺安"
).split()
COMPOUND_SUFFIXES = "花园 家园 小区 新城 苑 佳苑 雅居 名苑 公寓 新村".split()
MAIN_COMPOUNDS = (
    "彩虹花园",
    "锦绣家园",
    "翠湖小区",
    "阳光新城",
    "虹山苑",
    "金色家园",
    "春华苑",
    "塔山小区",
    "桂园小区",
    "龙泉苑",
)
ROADS = ("彩虹路", "中华东路", "塔山东路", "黄果树大街", "南华路", "若飞路", "贯城河路", "西航路", "虹山湖路", "顺安路")


@dataclass(slots=True)
class HousePlan:
    building: int
    unit: int
    floor: int
    number: str
    area: Decimal
    use: str
    hh_unit: int = 0  # index of the 十联户 within the community
    kind: str = ""  # household kind: owner / tenant / overseas; "" when nobody lives here
    size: int = 0
    pk: int = 0


@dataclass
class BuildingPlan:
    number: int
    grid: int
    compound: int
    kind: str
    floors: int
    units: int
    lng: float
    lat: float
    pk: int = 0
    address: str = ""


@dataclass
class GridPlan:
    name: str
    ring: list
    lng: float
    lat: float
    pk: int = 0


@dataclass
class CommunityPlan:
    name: str
    code: str
    lng: float
    lat: float
    ring: list
    grids: list[GridPlan]
    buildings: list[BuildingPlan]
    houses: list[HousePlan]
    compounds: list[str]
    unit_names: list[tuple[int, str]]  # (grid index, name) per 十联户
    unit_centres: list[tuple[float, float]] = field(default_factory=list)
    unit_pks: list[int] = field(default_factory=list)  # Region ids of the 十联户, once created


def lattice(count: int, cell_w: float, cell_h: float, rng: random.Random):
    """``count`` cells tiling a jittered lattice (metres, y north): rings, inner safe rectangles, outer ring."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / cols)
    per_row = [cols] * (rows - 1) + [count - cols * (rows - 1)]
    width, height = cols * cell_w, rows * cell_h
    jx, jy = 0.1 * width / max(per_row), 0.12 * cell_h

    def splits(row):
        return [Fraction(k, per_row[row]) for k in range(per_row[row] + 1)]

    # Horizontal boundaries: polylines shared by the rows above and below, vertices at every column split.
    lines = []
    for b in range(rows + 1):
        xs = set(splits(b - 1) if b else []) | set(splits(b) if b < rows else [])
        xs = sorted(xs)
        xs = sorted(set(xs) | {(a + c) / 2 for a, c in zip(xs, xs[1:], strict=False)})
        y = height - b * cell_h
        lines.append({x: (float(x) * width, y + rng.uniform(-jy, jy)) for x in xs})
    # Vertical boundaries: one jittered middle vertex per column split, shared by the cells either side.
    mids = []
    for r in range(rows):
        y = height - (r + 0.5) * cell_h
        mids.append({x: (float(x) * width + rng.uniform(-jx, jx), y + rng.uniform(-jy, jy)) for x in splits(r)})
    rings, inner = [], []
    for r in range(rows):
        xs = splits(r)
        for k in range(per_row[r]):
            x0, x1 = xs[k], xs[k + 1]
            top = [lines[r][x] for x in sorted(lines[r]) if x0 <= x <= x1]
            bottom = [lines[r + 1][x] for x in sorted(lines[r + 1]) if x0 <= x <= x1]
            ring = [*top, mids[r][x1], *reversed(bottom), mids[r][x0]]
            ring.reverse()  # counter-clockwise, as GeoJSON wants exterior rings
            rings.append([*ring, ring[0]])
            w = float(x1 - x0) * width
            mx, my = 0.2 * w, 0.2 * cell_h
            left = float(x0) * width
            inner.append((left + mx, height - (r + 1) * cell_h + my, left + w - mx, height - r * cell_h - my))
    outer = list(lines[0][x] for x in sorted(lines[0]))
    for r in range(rows):
        outer.append(mids[r][Fraction(1)])
        if r < rows - 1:
            outer.append(lines[r + 1][Fraction(1)])
    outer.extend(lines[rows][x] for x in sorted(lines[rows], reverse=True))
    for r in reversed(range(rows)):
        outer.append(mids[r][Fraction(0)])
        if r > 0:
            outer.append(lines[r][Fraction(0)])
    outer.reverse()
    outer.append(outer[0])
    return rings, inner, outer, width, height


def _to_lnglat(x: float, y: float, origin: tuple[float, float]) -> tuple[float, float]:
    lng0, lat0 = origin
    return (
        round(lng0 + x / (111_320.0 * math.cos(math.radians(lat0))), 6),
        round(lat0 + y / M_PER_DEG_LAT, 6),
    )


def _sizes(rng: random.Random, kinds: list[str], persons: int) -> list[int]:
    """Household sizes (1–6) for the given kinds, adjusted so that they add up to ``persons`` exactly."""
    sizes = []
    for kind in kinds:
        if kind == "overseas":
            sizes.append(rng.choice((1, 1, 2)))
        else:
            weights = OWNER_SIZE_WEIGHTS if kind == "owner" else TENANT_SIZE_WEIGHTS
            sizes.append(rng.choices(range(1, 7), weights=weights)[0])
    order = list(range(len(sizes)))
    rng.shuffle(order)
    diff = persons - sum(sizes)
    limits = {"owner": 6, "tenant": 5, "overseas": 2}
    changed = True
    while diff and changed:  # one person at a time, round-robin, so no household is singled out
        changed = False
        for i in order:
            if diff > 0 and sizes[i] < limits[kinds[i]]:
                sizes[i] += 1
                diff -= 1
                changed = True
            elif diff < 0 and sizes[i] > 1:
                sizes[i] -= 1
                diff += 1
                changed = True
    return sizes


def plan_community(
    rng: random.Random,
    *,
    name: str,
    code: str,
    persons: int,
    centre: tuple[float, float],
    per_building: int = HOUSEHOLDS_PER_BUILDING,
    per_grid: int = BUILDINGS_PER_GRID,
    min_units: int = 1,
    cell: tuple[float, float] = (340.0, 300.0),
    compound_names=MAIN_COMPOUNDS,
) -> CommunityPlan:
    """Grids, 十联户, compounds, buildings and houses for one community of about ``persons`` people."""
    households = max(1, round(persons * BASE_HOUSEHOLDS / BASE_PERSONS))
    n_buildings = max(1, math.ceil(households / per_building))
    n_grids = max(1, math.ceil(n_buildings / per_grid))
    rings_m, inner, outer_m, width, height = lattice(n_grids, cell[0], cell[1], rng)

    def conv(x, y):
        return _to_lnglat(x - width / 2, y - height / 2, centre)

    grids = []
    for g in range(n_grids):
        ring = [list(conv(x, y)) for x, y in rings_m[g]]
        x0, y0, x1, y1 = inner[g]
        lng, lat = conv((x0 + x1) / 2, (y0 + y1) / 2)
        grids.append(GridPlan(name=f"{name}第{cn_number(g + 1)}网格", ring=ring, lng=lng, lat=lat))
    # Households per building, buildings per grid.
    hh_per_b = [households // n_buildings + (1 if i < households % n_buildings else 0) for i in range(n_buildings)]
    buildings, houses = [], []
    compounds: list[str] = []
    used_names = set()

    def new_compound() -> int:
        i = len(compounds)
        if i < len(compound_names):
            cname = compound_names[i]
        else:
            while True:
                cname = rng.choice(COMPOUND_PREFIXES) + rng.choice(COMPOUND_SUFFIXES)
                if cname in used_names:
                    cname += f"{cn_number(rng.randint(2, 5))}期"
                if cname not in used_names:
                    break
        used_names.add(cname)
        compounds.append(cname)
        return i

    compound, left_in_compound = -1, 0
    unit_names: list[tuple[int, str]] = []
    for g in range(n_grids):
        members = list(range(g * per_grid, min(n_buildings, (g + 1) * per_grid)))
        x0, y0, x1, y1 = inner[g]
        cols = max(1, math.ceil(math.sqrt(len(members))))
        rows = math.ceil(len(members) / cols)
        sw, sh = (x1 - x0) / cols, (y1 - y0) / rows
        grid_houses_start = len(houses)
        for slot, b in enumerate(members):
            if left_in_compound <= 0:
                compound, left_in_compound = new_compound(), rng.randint(4, 10)
            left_in_compound -= 1
            r, c = divmod(slot, cols)
            x = x0 + (c + 0.5 + rng.uniform(-0.3, 0.3)) * sw
            y = y1 - (r + 0.5 + rng.uniform(-0.3, 0.3)) * sh
            lng, lat = conv(x, y)
            occupied = hh_per_b[b]
            shops = rng.random() < 0.35
            fits = [
                t
                for t in BUILDING_TYPES
                if occupied + 2 <= t[1] * t[2] * t[3] - (t[2] * t[3] if shops else 0) <= 2 * occupied + 8
            ]
            if not fits:
                shops = False
                fits = [t for t in BUILDING_TYPES if occupied + 2 <= t[1] * t[2] * t[3]]
            if fits:
                kind, floors, units, per_floor = rng.choice(fits)
            else:
                kind, units, per_floor = "高层", 2, 4
                floors = min(33, math.ceil((occupied + 4) / (units * per_floor)))
            plan = BuildingPlan(b + 1, g, compound, kind, floors, units, lng, lat)
            buildings.append(plan)
            residential = []
            for u in range(1, units + 1):
                for f in range(1, floors + 1):
                    for n in range(1, per_floor + 1):
                        shop = shops and f == 1
                        if shop:
                            area = Decimal(rng.randint(4500, 12000)) / 100
                        elif kind == "多层":
                            area = (
                                Decimal(
                                    rng.choice((5800, 6500, 7500, 8800, 9600, 10500, 11800, 12600))
                                    + rng.randint(-300, 300)
                                )
                                / 100
                            )
                        else:
                            area = Decimal(rng.randint(8000, 16000)) / 100
                        house = HousePlan(
                            b, u, f, f"{f}{n:02d}", area, House.Use.COMMERCIAL if shop else House.Use.VACANT
                        )
                        houses.append(house)
                        if not shop:
                            residential.append(house)
            for house in rng.sample(residential, min(occupied, len(residential))):
                roll = rng.random()
                house.kind = "tenant" if roll < 0.11 else "owner"
                house.use = House.Use.RENTED if house.kind == "tenant" else House.Use.OWNER_OCCUPIED
        # 十联户: consecutive houses of the grid, about 11 households each.
        grid_houses = houses[grid_houses_start:]
        occupied = sum(1 for h in grid_houses if h.kind)
        n_units = max(min_units, round(occupied * BASE_UNITS / BASE_HOUSEHOLDS))
        n_units = max(1, min(n_units, len(grid_houses)))
        first = len(unit_names)
        for u in range(n_units):
            unit_names.append((g, f"第{cn_number(g + 1)}网格{u + 1}号十联户"))
        seen = 0
        for i, house in enumerate(grid_houses):
            base = seen if occupied else i
            total = occupied if occupied else len(grid_houses)
            house.hh_unit = first + min(n_units - 1, base * n_units // total)
            if house.kind:
                seen += 1
    # A few tenants are foreigners (境外人员).
    tenants = [h for h in houses if h.kind == "tenant"]
    for house in rng.sample(tenants, min(len(tenants), max(1, round(households * 0.0015)))):
        house.kind = "overseas"
    occupied = [h for h in houses if h.kind]
    for house, size in zip(occupied, _sizes(rng, [h.kind for h in occupied], persons), strict=True):
        house.size = size
    outer = [list(conv(x, y)) for x, y in outer_m]
    # 十联户 centres: the mean position of the buildings their houses are in.
    sums: dict[int, list[float]] = {}
    for house in houses:
        b = buildings[house.building]
        acc = sums.setdefault(house.hh_unit, [0.0, 0.0, 0])
        acc[0] += b.lng
        acc[1] += b.lat
        acc[2] += 1
    centres = [(round(sums[i][0] / sums[i][2], 6), round(sums[i][1] / sums[i][2], 6)) for i in range(len(unit_names))]
    return CommunityPlan(
        name=name,
        code=code,
        lng=centre[0],
        lat=centre[1],
        ring=outer,
        grids=grids,
        buildings=buildings,
        houses=houses,
        compounds=compounds,
        unit_names=unit_names,
        unit_centres=centres,
    )


# The two small communities: (street, street code, community, code, persons, compounds).
OTHER_COMMUNITIES = [
    ("新安街道", "520402001", "建新社区", "520402001002", 105, ("建新小区", "电力新村")),
    ("南街街道", "520402002", "塔西社区", "520402002001", 96, ("塔西小区", "粮食局宿舍")),
]


def plan_all(persons: int, seed) -> list[tuple[str, str, CommunityPlan]]:
    """The communities to build, in order: (street name, street code, plan); 彩虹社区 first."""
    rng = random.Random(f"{seed}:layout")
    main = plan_community(rng, name="彩虹社区", code="520402001001", persons=persons, centre=(CENTER_LNG, CENTER_LAT))
    # The small communities sit a couple of kilometres beyond the main one, however large it grows.
    xs = [p[0] for p in main.ring]
    ys = [p[1] for p in main.ring]
    east = (max(xs) + 0.02, CENTER_LAT + 0.004)
    south = (CENTER_LNG - 0.008, min(ys) - 0.02)
    out = [("新安街道", "520402001", main)]
    for (street, street_code, cname, ccode, cpersons, compounds), centre in zip(
        OTHER_COMMUNITIES, (east, south), strict=True
    ):
        plan = plan_community(
            rng,
            name=cname,
            code=ccode,
            persons=cpersons,
            centre=centre,
            per_building=5,
            per_grid=2,
            min_units=2,
            cell=(260.0, 240.0),
            compound_names=compounds,
        )
        out.append((street, street_code, plan))
    return out


def iter_households(plan: CommunityPlan, factory: PeopleFactory) -> Iterator[tuple[HousePlan, list[PersonSpec]]]:
    """Each occupied house of the community with the people planned for it, in a fixed order."""
    for house in plan.houses:
        if house.kind:
            yield house, factory.household(house.kind, house.size)


def preview_names(persons: int = DEFAULT_PERSONS, seed=DEFAULT_SEED, count: int = 20, today=None) -> list[str]:
    """The names of the first ``count`` people the demo would create, without touching the database."""
    today = today or timezone.localdate()
    plan = plan_all(persons, seed)[0][2]
    factory = PeopleFactory(seed, today, hukou_here="")
    names: list[str] = []
    for _house, members in iter_households(plan, factory):
        names.extend(m.name for m in members)
        if len(names) >= count:
            break
    return names[:count]


# --- writing ---------------------------------------------------------------------------------------------

ORG_DEPARTMENTS = [
    ("西秀区住房和城乡建设局", "district"),
    ("西秀区城市管理局", "district"),
    ("西秀区民政局", "district"),
    ("西秀区市场监督管理局", "district"),
    ("西秀区卫生健康局", "district"),
    ("西秀区消防救援大队", "district"),
    ("安顺市公安局西秀分局新安派出所", "street"),
    ("新安街道综治中心", "street"),
]
PROPERTY_COMPANIES = (
    "安顺宜居物业服务有限公司",
    "贵州黔城物业管理有限公司",
    "安顺华西物业服务有限公司",
    "贵州万家和物业服务有限公司",
)

SHOPS = [
    ("便利店", "small_shop", "low"),
    ("超市", "small_shop", "low"),
    ("烟酒店", "small_shop", "low"),
    ("五金店", "small_shop", "medium"),
    ("药店", "small_shop", "low"),
    ("牛肉粉馆", "small_restaurant", "medium"),
    ("羊肉粉馆", "small_restaurant", "medium"),
    ("烙锅店", "small_restaurant", "high"),
    ("裹卷店", "small_restaurant", "medium"),
    ("小吃店", "small_restaurant", "medium"),
    ("面馆", "small_restaurant", "medium"),
    ("宾馆", "small_hotel", "high"),
    ("招待所", "small_hotel", "high"),
    ("棋牌室", "small_entertainment", "medium"),
    ("网吧", "small_entertainment", "high"),
    ("豆腐坊", "small_workshop", "medium"),
    ("糕点坊", "small_workshop", "medium"),
    ("理发店", "other", "low"),
    ("洗衣店", "other", "low"),
    ("诊所", "clinic", "low"),
]
SHOP_WORDS = "惠民 好邻居 老杨家 阿秀 兴旺 顺发 黔味 平安 旺角 金牌 家乡 老街 福满 吉祥 鑫源 同心 新锐 味道".split()
COMPANY_WORDS = "彩虹 黔中 安顺 西秀 屯堡 瀑乡 虹山 鑫达 恒通 宏远 华泰 博远".split()
COMPANY_TRADES = (
    "餐饮管理",
    "商贸",
    "物流",
    "建材",
    "信息技术",
    "文化传媒",
    "教育咨询",
    "家政服务",
    "医药连锁",
    "装饰工程",
)
KEY_PLACES = [
    ("社区卫生服务站", "clinic", "low"),
    ("幼儿园", "school", "medium"),
    ("农贸市场", "key_unit", "high"),
    ("加油站", "key_unit", "high"),
    ("养老服务中心", "key_unit", "medium"),
    ("小学", "school", "medium"),
    ("新时代文明实践站", "other", "low"),
    ("老年活动中心", "other", "low"),
    ("充电桩车棚", "key_unit", "high"),
]
SOCIAL_ORGS = ("老年协会", "志愿者协会", "邻里互助服务社", "广场舞协会", "书画协会", "红白理事会")

# Demo accounts: (username, role, scope key).
ACCOUNTS = [
    ("admin", Role.ADMIN, None),
    ("auditor", Role.AUDITOR, None),
    ("leader", Role.LEADER, "district"),
    ("street", Role.STREET_STAFF, "street"),
    ("staff", Role.COMMUNITY_STAFF, "community"),
    ("grid1", Role.GRID_WORKER, "grid1"),
    ("grid2", Role.GRID_WORKER, "grid2"),
    ("dept", Role.DEPT_STAFF, "dept"),
    ("property", Role.PROPERTY_STAFF, "property"),
    ("member", Role.PARTY_MEMBER, "person"),
    ("volunteer", Role.VOLUNTEER, "person"),
    ("resident", Role.RESIDENT, "person"),
]


def _dec(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _org_code(rng: random.Random) -> str:
    """A 9-character 组织机构代码 with a valid GB 11714 check character."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(chars) for _ in range(8))
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(rng: random.Random, prefix: str, area: str = "520402", taken: set | None = None) -> str:
    """A fictitious 统一社会信用代码: registration/category ``prefix`` (e.g. "91"), area, org code, check."""
    while True:
        body = f"{prefix}{area}{_org_code(rng)}"
        code = body + credit_check_char(body)
        if taken is None or code not in taken:
            if taken is not None:
                taken.add(code)
            return code


@dataclass
class Result:
    """What was created, for the summary."""

    counts: dict
    logins: list  # (username, role label, scope, password)
    seconds: float


class DemoBuilder:
    """Writes the planned demo data; services for the tree and small things, bulk inserts for people."""

    def __init__(self, persons: int = DEFAULT_PERSONS, seed=DEFAULT_SEED, log: Callable[[str], None] | None = None):
        self.persons = persons
        self.seed = seed
        self.log = log or (lambda message: None)
        self.today = timezone.localdate()
        self.rng = random.Random(f"{seed}:links")
        self.extra = random.Random(f"{seed}:extra")
        self.staff_names = PeopleFactory(f"{seed}:staff", self.today, "")
        self.credit_codes: set[str] = set()
        self.started = time.monotonic()
        # PostgreSQL loads rows with COPY; other databases with bulk_create.
        self.copy = connection.vendor == "postgresql"
        self.created = 0
        self.next_progress = PROGRESS_EVERY
        self.hh_seq = 0  # 户号

    # --- entry point

    def run(self) -> Result:
        plans = plan_all(self.persons, self.seed)
        self.log(f"规划完成：{len(plans)} 个社区，计划 {sum(h.size for _, _, p in plans for h in p.houses):,} 人")
        staff = self._staff_people()
        with transaction.atomic():
            levels = self._levels()
            tree = self._tree(plans, levels, staff)
            orgs = self._organisations(tree)
            self._tags()
        for _, _, plan in plans:
            with transaction.atomic():
                self._housing(plan, tree, orgs)
        self.tags = {t.code: t.pk for t in Tag.objects.all()}
        self.candidates: dict[str, PersonSpec] = {}
        factory = PeopleFactory(self.seed, self.today, hukou_here="")
        for street, _, plan in plans:
            factory.hukou_here = f"{ANSHUN}西秀区{street}{plan.name}"
            self._people(plan, factory, main=plan is plans[0][2])
        with transaction.atomic():
            for _, _, plan in plans:
                self._places(plan)
            logins = self._accounts(tree, orgs, staff)
        return Result(counts=self.counts(), logins=logins, seconds=time.monotonic() - self.started)

    # --- structure

    def _levels(self) -> dict[str, RegionLevel]:
        spec = [
            ("district", "区", 1),
            ("street", "街道", 2),
            ("community", "社区", 3),
            ("grid", "网格", 4),
            ("unit", "十联户", 5),
        ]
        out = {}
        for code, name, depth in spec:
            level = RegionLevel.objects.filter(code=code).first() or RegionLevel.objects.filter(depth=depth).first()
            out[code] = level or RegionLevel.objects.create(code=code, name=name, depth=depth)
        return out

    def _staff_people(self) -> dict[str, tuple[str, str]]:
        """Names and phones for the staff accounts and the leaders of the tree."""
        f = self.staff_names
        out = {}
        for key in (
            "leader",
            "street",
            "staff",
            "grid1",
            "grid2",
            "dept",
            "property",
            "auditor",
            "admin",
            "district_head",
            "street_head",
            "street2_head",
        ):
            sex = "M" if f.rng.random() < 0.55 else "F"
            birth = f.birth(f.rng.randint(26, 55))
            out[key] = (f.surname() + f.given(sex, birth), f.phone())
        return out

    def _region(self, name, level, parent=None, **kw) -> Region:
        return core_services.region_create(actor=None, name=name, level=level, parent=parent, **kw)

    def _tree(self, plans, levels, staff) -> dict:
        """区 → 街道 → 社区 → 网格 → 十联户, one level at a time and in name order (siblings rarely shift)."""
        names = self.staff_names

        def someone(year: int) -> str:
            sex = "M" if names.rng.random() < 0.5 else "F"
            return names.surname() + names.given(sex, dt.date(year, 1, 1))

        district = self._region(
            "西秀区",
            levels["district"],
            code="520402",
            lat=_dec(26.2455),
            lng=_dec(105.9346),
            leader_name=staff["district_head"][0],
        )
        streets: dict[str, Region] = {}
        for i, (street, street_code) in enumerate(sorted({(s, c) for s, c, _ in plans}, key=lambda item: item[1])):
            same = [p for s, _, p in plans if s == street]
            streets[street] = self._region(
                street,
                levels["street"],
                district,
                code=street_code,
                lat=_dec(sum(p.lat for p in same) / len(same)),
                lng=_dec(sum(p.lng for p in same) / len(same)),
                leader_name=staff["street_head" if i == 0 else "street2_head"][0],
            )
        communities: dict[str, Region] = {}
        for street, _, plan in sorted(plans, key=lambda item: item[2].code):
            communities[plan.code] = self._region(
                plan.name,
                levels["community"],
                streets[street],
                code=plan.code,
                boundary=plan.ring,
                lat=_dec(plan.lat),
                lng=_dec(plan.lng),
                leader_name=someone(1975),
            )
        main = plans[0][2]
        for _, _, plan in plans:
            community = communities[plan.code]
            for g, grid in enumerate(plan.grids):
                leader = staff[f"grid{g + 1}"][0] if plan is main and g < 2 else someone(1985)
                region = self._region(
                    grid.name,
                    levels["grid"],
                    community,
                    code=f"{plan.code}{g + 1:03d}",
                    boundary=grid.ring,
                    lat=_dec(grid.lat),
                    lng=_dec(grid.lng),
                    leader_name=leader,
                )
                grid.pk = region.pk
        # 十联户 come by the thousand: bulk-inserted with the paths treebeard gives children appended in order.
        unit_level = levels["unit"]
        for _, _, plan in plans:
            grids = Region.objects.in_bulk([grid.pk for grid in plan.grids])
            units, owners = [], []
            for g, grid in enumerate(plan.grids):
                parent = grids[grid.pk]
                mine = [(i, name) for i, (gi, name) in enumerate(plan.unit_names) if gi == g]
                for step, (seq, (i, name)) in enumerate(enumerate(mine), 1):
                    lng, lat = plan.unit_centres[i]
                    units.append(
                        Region(
                            name=name,
                            level=unit_level,
                            code=f"{plan.code}{g + 1:03d}{seq + 1:03d}",
                            lat=_dec(lat),
                            lng=_dec(lng),
                            path=Region._get_path(parent.path, parent.depth + 1, step),
                            depth=parent.depth + 1,
                            numchild=0,
                        )
                    )
                    owners.append(i)
                parent.numchild = len(mine)
            Region.objects.bulk_create(units, batch_size=BATCH)
            Region.objects.bulk_update(list(grids.values()), ["numchild"], batch_size=1000)
            plan.unit_pks = [0] * len(plan.unit_names)
            for i, region in zip(owners, units, strict=True):
                plan.unit_pks[i] = region.pk
        # Sorted insertion may have shifted paths: read them back once everything exists.
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.paths = {pk: r.path for pk, r in self.regions.items()}
        self.log(f"区域：{len(self.regions):,} 个（{time.monotonic() - self.started:.0f} 秒）")
        return {
            "district": self.regions[district.pk],
            "streets": {k: self.regions[v.pk] for k, v in streets.items()},
            "communities": {k: self.regions[v.pk] for k, v in communities.items()},
        }

    def _organisations(self, tree) -> dict:
        rng = self.extra
        district = tree["district"]
        street = tree["streets"]["新安街道"]
        orgs = {}
        for name, where in ORG_DEPARTMENTS:
            region = district if where == "district" else street
            orgs[name] = core_services.organisation_create(
                actor=None,
                name=name,
                kind=Organisation.Kind.DEPARTMENT,
                region=region,
                credit_code=credit_code(rng, "11", taken=self.credit_codes),
                contact_name=self._name(rng),
                contact_phone=f"0851-3{rng.randint(100_0000, 999_9999)}",
            )
        for name in PROPERTY_COMPANIES:
            orgs[name] = core_services.organisation_create(
                actor=None,
                name=name,
                kind=Organisation.Kind.PROPERTY,
                region=district,
                credit_code=credit_code(rng, "91", taken=self.credit_codes),
                contact_name=self._name(rng),
                contact_phone=self._mobile(rng),
            )
        for community in tree["communities"].values():
            name = f"{community.name}服务中心"
            orgs[name] = core_services.organisation_create(
                actor=None,
                name=name,
                kind=Organisation.Kind.SERVICE_CENTRE,
                region=community,
                credit_code=credit_code(rng, "12", taken=self.credit_codes),
                contact_name=community.leader_name,
                contact_phone=f"0851-3{rng.randint(100_0000, 999_9999)}",
            )
        return orgs

    def _name(self, rng: random.Random) -> str:
        values, cum = SURNAMES
        sex = "M" if rng.random() < 0.5 else "F"
        return rng.choices(values, cum_weights=cum)[0] + rng.choice(GIVEN[("mid", sex)])

    @staticmethod
    def _mobile(rng: random.Random) -> str:
        return rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"

    def _tags(self) -> None:
        """The tag tree (groups with their tags); tags that already exist are left as they are."""
        for group_code, group_name, children in TAG_TREE:
            group = Tag.objects.filter(code=group_code).first()
            if group is None:
                group = Tag.objects.add_root(
                    {
                        "code": group_code,
                        "name": group_name,
                        "sensitivity": min(c[2] for c in children),
                        "color": "secondary",
                        "description": f"{group_name}（分组）",
                    }
                )
            for code, name, sensitivity, consent, color, description in children:
                if not Tag.objects.filter(code=code).exists():
                    fields = {"code": code, "name": name, "sensitivity": sensitivity, "requires_consent": consent}
                    Tag.objects.add_child(group, {**fields, "color": color, "description": description})

    def _housing(self, plan: CommunityPlan, tree, orgs) -> None:
        rng = self.extra
        community = tree["communities"][plan.code]
        companies = [orgs[n] for n in PROPERTY_COMPANIES]
        compounds = []
        for i, name in enumerate(plan.compounds):
            members = [b for b in plan.buildings if b.compound == i]
            company = companies[0] if i == 0 and plan.code == "520402001001" else rng.choice(companies)
            road = rng.choice(ROADS)
            compounds.append(
                housing_services.compound_create(
                    actor=None,
                    name=name,
                    community=community,
                    property_company=company,
                    address=f"安顺市西秀区{road}{rng.randint(1, 300)}号",
                    lat=_dec(sum(b.lat for b in members) / len(members)),
                    lng=_dec(sum(b.lng for b in members) / len(members)),
                )
            )
        grids = {g: self.regions[grid.pk] for g, grid in enumerate(plan.grids)}
        for b in plan.buildings:
            compound = compounds[b.compound]
            building = housing_services.building_create(
                actor=None,
                grid=grids[b.grid],
                number=str(b.number),
                compound=compound,
                name=f"{b.number}栋",
                floors=b.floors,
                lat=_dec(b.lat),
                lng=_dec(b.lng),
                address=f"{compound.address}{compound.name}{b.number}栋",
            )
            b.pk = building.pk
            b.address = building.address
        housing_services.draw_outlines(community=community)
        # 单元 (entrances), then houses in bulk with the columns house_create would set.
        units = [Unit(building_id=b.pk, number=str(u)) for b in plan.buildings for u in range(1, b.units + 1)]
        Unit.objects.bulk_create(units, batch_size=BATCH)
        unit_pk = {
            (building_id, number): pk
            for pk, building_id, number in Unit.objects.filter(building__compound__community=community).values_list(
                "pk", "building_id", "number"
            )
        }
        for start in range(0, len(plan.houses), BATCH):
            chunk = plan.houses[start : start + BATCH]
            objs = []
            for h in chunk:
                b = plan.buildings[h.building]
                region = plan.unit_pks[h.hh_unit]
                objs.append(
                    House(
                        building_id=b.pk,
                        unit_id=unit_pk[(b.pk, str(h.unit))],
                        floor=h.floor,
                        number=h.number,
                        area=h.area,
                        use=h.use,
                        household_unit_id=region,
                        region_path=self.paths[region],
                    )
                )
            if self.copy:
                self._reserve_ids(House, objs)
            self._save(House, objs)
            if any(o.pk is None for o in objs):  # databases that cannot return ids from bulk inserts
                lookup = {
                    (bid, uid, num): pk
                    for pk, bid, uid, num in House.objects.filter(building__compound__community=community).values_list(
                        "pk", "building_id", "unit_id", "number"
                    )
                }
                for o in objs:
                    o.pk = lookup[(o.building_id, o.unit_id, o.number)]
            for h, o in zip(chunk, objs, strict=True):
                h.pk = o.pk
        self.log(
            f"  {plan.name}：{len(plan.compounds)} 个小区，{len(plan.buildings)} 栋楼，{len(plan.houses):,} 套房屋"
            f"（{time.monotonic() - self.started:.0f} 秒）"
        )

    # --- people

    def _people(self, plan: CommunityPlan, factory: PeopleFactory, main: bool) -> None:
        """Households of the community in batches of about ``BATCH`` people, then owners of empty flats and 联户长."""
        self.landlords: list[tuple[int, dt.date, dt.date]] = []  # (person pk, home start, birth)
        self.leaders: dict[int, str] = {}
        batch: list[tuple[HousePlan, list[PersonSpec]]] = []
        size = 0
        for house, members in iter_households(plan, factory):
            batch.append((house, members))
            size += len(members)
            if main and plan.buildings[house.building].grid == 0:
                self._pick_candidates(members)
            if house.hh_unit not in self.leaders and house.kind == "owner" and 35 <= members[0].age(self.today) <= 70:
                self.leaders[house.hh_unit] = members[0].name
            if size >= BATCH:
                self._flush(plan, batch)
                batch, size = [], 0
        if batch:
            self._flush(plan, batch)
        # Vacant houses with an owner elsewhere in the community.
        self._vacant_owners(plan)
        # 联户长: a householder of the unit.
        regions = []
        for i, pk in enumerate(plan.unit_pks):
            region = self.regions[pk]
            region.leader_name = self.leaders.get(i) or self._name(self.extra)
            regions.append(region)
        Region.objects.bulk_update(regions, ["leader_name"], batch_size=1000)

    @staticmethod
    def _link(households, persons, heads, sizes) -> None:
        for household, head, size in zip(households, heads, sizes, strict=True):
            for person in persons[head : head + size]:
                person.household_id = household.pk

    def _reserve_ids(self, model, objs: list) -> None:
        """Take ids for ``objs`` from the table's sequence (PostgreSQL), so rows can be copied in with them."""
        bulk.reserve_ids(model, objs)

    def _save(self, model, objs: list) -> None:
        """Insert many rows: COPY on PostgreSQL (ids reserved beforehand or left to the database), else bulk_create."""
        bulk.insert(model, objs, batch_size=BATCH, reserve=False)

    def _pick_candidates(self, members: list[PersonSpec]) -> None:
        """Remember people of grid 1 who suit the resident, party-member and volunteer demo accounts."""
        today = self.today
        head = members[0]
        if all(k in self.candidates for k in ("resident", "member", "volunteer")):
            return
        if "resident" not in self.candidates and len(members) >= 4 and head.phone and 30 <= head.age(today) <= 60:
            if head.person_type == Person.PersonType.REGISTERED:
                self.candidates["resident"] = head
                return
        resident = self.candidates.get("resident")
        for spec in members:
            if not spec.phone or resident is not None and any(m is resident for m in members):
                continue
            age = spec.age(today)
            if "member" not in self.candidates and spec.political == Person.Political.CPC and 30 <= age <= 62:
                self.candidates["member"] = spec
                return
            if (
                "volunteer" not in self.candidates
                and 20 <= age <= 40
                and spec.person_type != Person.PersonType.OVERSEAS
            ):
                self.candidates["volunteer"] = spec
                return

    def _flush(self, plan: CommunityPlan, batch: list[tuple[HousePlan, list[PersonSpec]]]) -> None:
        rng = self.rng
        today = self.today
        with transaction.atomic():
            households, persons, heads = [], [], []
            for house, members in batch:
                region = plan.unit_pks[house.hh_unit]
                number = ""
                if house.kind == "owner":
                    self.hh_seq += 1
                    number = f"5204{self.hh_seq:07d}"
                households.append(Household(number=number, house_id=house.pk, region_path=self.paths[region]))
                heads.append(len(persons))
                for spec in members:
                    person = Person(relation=spec.relation, region_id=region, region_path=self.paths[region])
                    people_services.apply_person_data(
                        person,
                        people_services.PersonData(
                            name=spec.name,
                            id_type=spec.id_type,
                            id_number=spec.id_number,
                            phone=spec.phone,
                            ethnicity=spec.ethnicity,
                            hukou_address=spec.hukou_address,
                            person_type=spec.person_type,
                            political_status=spec.political,
                            workplace=spec.workplace,
                            notes=spec.notes,
                        ),
                    )
                    if spec.id_type != Person.IdType.RESIDENT_ID:
                        person.birth_year, person.sex = spec.birth.year, spec.sex
                    persons.append(person)
            sizes = [len(members) for _, members in batch]
            if self.copy:
                # Ids first, so households name their householder before either row exists (FKs are deferred).
                self._reserve_ids(Household, households)
                self._reserve_ids(Person, persons)
                self._link(households, persons, heads, sizes)
                for household, head in zip(households, heads, strict=True):
                    household.householder_id = persons[head].pk
                self._save(Household, households)
                self._save(Person, persons)
            else:
                self._save(Household, households)
                self._link(households, persons, heads, sizes)
                self._save(Person, persons)
                Household.objects.filter(pk__in=[h.pk for h in households]).update(
                    householder_id=Subquery(
                        Person.objects.filter(household_id=OuterRef("pk"), relation=Person.Relation.SELF)
                        .order_by("pk")
                        .values("pk")[:1]
                    )
                )
            # Residencies (current and past) and tags.
            residencies, assignments = [], []
            it = iter(persons)
            for house, members in batch:
                path = self.paths[plan.unit_pks[house.hh_unit]]
                if house.kind == "owner":
                    move_in = today - dt.timedelta(days=rng.randint(60, 20 * 365))
                else:
                    move_in = today - dt.timedelta(days=rng.randint(20, 3 * 365))
                moved_before = rng.random() < (0.12 if house.kind == "owner" else 0.2)
                for spec in members:
                    person = next(it)
                    start = max(move_in, spec.birth)
                    if house.kind == "owner":
                        kind = (
                            Residency.Kind.OWNER
                            if spec.relation == "self" or (spec.relation == "spouse" and rng.random() < 0.6)
                            else Residency.Kind.FAMILY
                        )
                    else:
                        kind = Residency.Kind.TENANT
                    residencies.append(
                        Residency(person_id=person.pk, house_id=house.pk, kind=kind, start=start, region_path=path)
                    )
                    if (
                        moved_before
                        and spec.relation in ("self", "spouse")
                        and start - spec.birth > dt.timedelta(days=8000)
                    ):
                        residencies.append(self._past(person.pk, house, start, kind, plan))
                    if spec.relation == "self" and house.kind == "owner":
                        self.landlords.append((person.pk, start, spec.birth))
                    for code, note, since in spec.tags:
                        assignments.append(
                            TagAssignment(
                                person_id=person.pk, tag_id=self.tags[code], region_path=path, note=note, since=since
                            )
                        )
                if house.kind in ("tenant", "overseas"):
                    landlord = self._landlord(start=move_in)
                    if landlord:
                        residencies.append(landlord(house, path))
            self._save(Residency, [r for r in residencies if r is not None])
            self._save(TagAssignment, assignments)
        self.created += len(persons)
        if self.created >= self.next_progress:
            self.next_progress += PROGRESS_EVERY
            self.log(f"  已写入 {self.created:,} 人（{time.monotonic() - self.started:.0f} 秒）")

    def _past(self, person_pk: int, house: HousePlan, start: dt.date, kind: str, plan: CommunityPlan):
        """An earlier home in the community, left shortly before moving here."""
        rng = self.rng
        other = rng.choice(plan.houses)
        if other is house or other.use == House.Use.COMMERCIAL:
            return None
        end = start - dt.timedelta(days=rng.randint(0, 60))
        began = end - dt.timedelta(days=rng.randint(365, 8 * 365))
        region = plan.unit_pks[other.hh_unit]
        past_kind = (
            Residency.Kind.TENANT if kind == Residency.Kind.TENANT or rng.random() < 0.4 else Residency.Kind.OWNER
        )
        return Residency(
            person_id=person_pk, house_id=other.pk, kind=past_kind, start=began, end=end, region_path=self.paths[region]
        )

    def _landlord(self, start: dt.date):
        """An owner living elsewhere in the community who lets this house (bought before moving home)."""
        rng = self.rng
        if not self.landlords or rng.random() < 0.3:
            return None
        pk, home_start, birth = rng.choice(self.landlords)
        bought = min(home_start, start) - dt.timedelta(days=rng.randint(30, 3000))
        if (bought - birth).days < 24 * 365:
            return None

        def make(house: HousePlan, path: str) -> Residency:
            return Residency(person_id=pk, house_id=house.pk, kind=Residency.Kind.OWNER, start=bought, region_path=path)

        return make

    def _vacant_owners(self, plan: CommunityPlan) -> None:
        rng = self.rng
        rows = []
        for house in plan.houses:
            if house.use == House.Use.VACANT and rng.random() < 0.4:
                landlord = self._landlord(start=self.today)
                if landlord:
                    rows.append(landlord(house, self.paths[plan.unit_pks[house.hh_unit]]))
        Residency.objects.bulk_create(rows, batch_size=BATCH)

    # --- entities, places, accounts

    def _places(self, plan: CommunityPlan) -> None:
        """Shops in ground-floor houses (个体工商户/法人 and their 场所), social organisations and key places."""
        # Bulk-inserted with the columns entity_create/place_create set: region_path of the grid, phone encrypted.
        rng = self.extra
        grids = {g: self.regions[grid.pk] for g, grid in enumerate(plan.grids)}
        names: set[str] = set()
        entities: list[Entity] = []
        places: list[tuple[Place, int | None]] = []  # (place, index of its entity)

        def unique(name: str) -> str:
            base, n = name, 1
            while name in names:
                n += 1
                name = f"{base}（{cn_number(n)}店）"
            names.add(name)
            return name

        def phoned(obj, phone: str):
            obj.phone_enc = crypto.encrypt(phone)
            obj.phone_masked = masking.mask_phone(phone)
            return obj

        for house in plan.houses:
            if house.use != House.Use.COMMERCIAL or rng.random() < 0.15:
                continue
            b = plan.buildings[house.building]
            grid = grids[b.grid]
            address = f"{b.address}{house.unit}单元{house.number}室"
            lng, lat = b.lng + rng.uniform(-0.00005, 0.00005), b.lat + rng.uniform(-0.00005, 0.00005)
            if not point_in_polygon(lng, lat, plan.grids[b.grid].ring):
                lng, lat = b.lng, b.lat
            owner = self._name(rng)
            trade, kind, risk = rng.choice(SHOPS)
            legal = rng.random() < 0.25
            if legal:
                ename = unique(f"安顺市{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_TRADES)}有限公司")
                code, ekind = credit_code(rng, "91", taken=self.credit_codes), Entity.Kind.LEGAL
            else:
                ename = unique(f"西秀区{rng.choice(SHOP_WORDS)}{trade}")
                code, ekind = credit_code(rng, "92", taken=self.credit_codes), Entity.Kind.INDIVIDUAL
            entity = Entity(
                name=ename,
                kind=ekind,
                credit_code=code,
                legal_person=owner,
                grid=grid,
                region_path=grid.path,
                address=address,
                house_id=house.pk,
                lat=_dec(lat),
                lng=_dec(lng),
                employees=rng.randint(1, 30 if legal else 6),
            )
            entities.append(phoned(entity, self._mobile(rng)))
            place = Place(
                name=ename if not legal else unique(f"{rng.choice(SHOP_WORDS)}{trade}"),
                kind=kind,
                grid=grid,
                region_path=grid.path,
                address=address,
                lat=_dec(lat),
                lng=_dec(lng),
                contact_name=owner,
                fire_risk=risk,
            )
            places.append((phoned(place, self._mobile(rng)), len(entities) - 1))
        # Social organisations and one key place per grid.
        for i in range(max(2, len(plan.grids) // 2)):
            g = i % len(plan.grids)
            entity = Entity(
                name=unique(f"{plan.name}{SOCIAL_ORGS[i % len(SOCIAL_ORGS)]}"),
                kind=Entity.Kind.SOCIAL,
                credit_code=credit_code(rng, "52", taken=self.credit_codes),
                legal_person=self._name(rng),
                grid=grids[g],
                region_path=grids[g].path,
                address=f"{plan.name}党群服务中心",
                lat=_dec(plan.grids[g].lat),
                lng=_dec(plan.grids[g].lng),
                employees=rng.randint(0, 5),
            )
            entities.append(phoned(entity, self._mobile(rng)))
        short = plan.name.removesuffix("社区")
        for g, grid in enumerate(plan.grids):
            label, kind, risk = KEY_PLACES[g % len(KEY_PLACES)]
            b = next((b for b in plan.buildings if b.grid == g), None)
            lng, lat = (b.lng, b.lat) if b else (grid.lng, grid.lat)
            place = Place(
                name=unique(f"{short}{label}" if g < len(KEY_PLACES) else f"{grid.name}{label}"),
                kind=kind,
                grid=grids[g],
                region_path=grids[g].path,
                address=f"{plan.name}{grid.name.removeprefix(plan.name)}",
                lat=_dec(lat + 0.0001),
                lng=_dec(lng + 0.0001),
                contact_name=self._name(rng),
                fire_risk=risk,
            )
            places.append((phoned(place, f"0851-3{rng.randint(100_0000, 999_9999)}"), None))
        if self.copy:
            self._reserve_ids(Entity, entities)
        self._save(Entity, entities)
        for place, index in places:
            place.entity_id = entities[index].pk if index is not None else None
        self._save(Place, [place for place, _ in places])

    def _accounts(self, tree, orgs, staff) -> list:
        community = tree["communities"]["520402001001"]
        grids = list(Region.objects.filter(depth=community.depth + 1, path__startswith=community.path).order_by("code"))
        property_company = Compound.objects.get(community=community, name=MAIN_COMPOUNDS[0]).property_company
        scopes = {
            "district": ("region", tree["district"]),
            "street": ("region", tree["streets"]["新安街道"]),
            "community": ("region", community),
            "grid1": ("region", grids[0]),
            "grid2": ("region", grids[1] if len(grids) > 1 else grids[0]),
            "dept": ("org", orgs["西秀区城市管理局"]),
            "property": ("org", property_company),
        }
        password = settings.DEMO_PASSWORD
        logins = []
        for username, role, scope in ACCOUNTS:
            person = None
            if scope == "person":
                person, full_name, phone = self._account_person(username, community)
            else:
                full_name, phone = staff[username]
            user = core_services.user_create(
                actor=None,
                username=username,
                password=password,
                full_name=full_name,
                phone=phone,
                otp_exempt=scope != "person",
            )
            if role == Role.ADMIN:
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            where, anchor = scopes.get(scope, (None, None))
            core_services.grant_add(
                actor=None,
                user=user,
                role=role,
                region=anchor if where == "region" else None,
                organisation=anchor if where == "org" else None,
            )
            if person is not None:
                Person.objects.filter(pk=person.pk).update(user=user)
                by_path = {r.path: r for r in self.regions.values()}
                home = by_path[person.region_path[: len(community.path)]].name + self.regions[person.region_id].name
                label = f"本人：{person.name}（{home}）"
            elif anchor is not None:
                label = anchor.name
            else:
                label = "全平台"
            if scope in ("grid1", "grid2"):
                Region.objects.filter(pk=anchor.pk).update(leader_user=user, leader_name=full_name)
            logins.append((username, role.label, label, password))
        return logins

    def _account_person(self, username: str, community: Region) -> tuple[Person | None, str, str]:
        """The person a self-service demo account is linked to: planned in grid 1, else found in the database."""
        spec = self.candidates.get(username)
        if spec is not None:
            person = Person.objects.get(id_number_hash=people_services.id_hash(spec.id_type, spec.id_number))
            return person, spec.name, spec.phone
        free = Person.objects.filter(user__isnull=True).exclude(phone_enc="").order_by("pk")
        here = free.filter(region_path__startswith=community.path)
        wanted = {
            "member": here.filter(political_status=Person.Political.CPC),
            "resident": here.filter(relation=Person.Relation.SELF),
        }.get(username, here)
        person = wanted.first() or here.first() or free.first()
        if person is None:
            return None, self._name(self.extra), self._mobile(self.extra)
        return person, person.name, crypto.decrypt(person.phone_enc)

    # --- summary

    @staticmethod
    def counts() -> dict:
        levels = dict(RegionLevel.objects.values_list("code", "name"))
        out = {}
        for code, name in levels.items():
            out[name] = Region.objects.filter(level__code=code).count()
        out.update(
            {
                "机构": Organisation.objects.count(),
                "小区": Compound.objects.count(),
                "楼栋": Building.objects.count(),
                "房屋": House.objects.count(),
                "户": Household.objects.count(),
                "人员": Person.objects.count(),
                "人房关系": Residency.objects.count(),
                "人员标签": TagAssignment.objects.count(),
                "单位组织": Entity.objects.count(),
                "场所": Place.objects.count(),
                "账号": User.objects.count(),
            }
        )
        return out


def generate(persons: int = DEFAULT_PERSONS, seed=DEFAULT_SEED, log: Callable[[str], None] | None = None) -> Result:
    """Build the whole demo data set; the database should hold no regions yet."""
    return DemoBuilder(persons=persons, seed=seed, log=log).run()
