from django.db.models import Q

from linli.core.modules import ModuleConfig


class VolunteeringConfig(ModuleConfig):
    """群众点单·社区派单·党员接单: micro-wishes, volunteers and teams, activities and hours, 爱心积分."""

    name = "linli.volunteering"
    label = "volunteering"
    verbose_name = "志愿服务（微心愿、志愿者、活动、时长、爱心积分）"
    urls = "linli.volunteering.urls"
    api = "linli.volunteering.api.views"

    def register(self, m):
        from linli.core import notifications
        from linli.core.modules import DemoStep, PersonalDataSection, ResidentLink, RetentionKind, Statistic
        from linli.core.navigation import MenuItem
        from linli.core.roles import GRID_ROLES, GRID_VERBS, OFFICE_ROLES, OFFICE_VERBS, SELF_ROLES, Role, verbs
        from linli.volunteering import demo, selectors, services
        from linli.volunteering.models import Activity, Wish
        from linli.volunteering.scope import in_my_community

        public = (Wish.Status.OPEN, Wish.Status.CLAIMED, Wish.Status.FULFILLED, Wish.Status.DONE)
        # A resident sees the wall (published wishes, names masked by every page) and their own; a claimer theirs.
        # The wall of one's own community (names masked by every page), plus one's own wishes and claims.
        m.scope(
            "wish", "volunteering.Wish",
            own=lambda user: Q(owner=user) | Q(claimer=user) | Q(assigned_to=user)
            | (Q(status__in=public) & in_my_community(user)),
        )  # fmt: skip
        m.scope("volunteer", "volunteering.Volunteer", own=lambda user: Q(user=user))
        m.scope("team", "volunteering.Team", own=lambda user: Q(members__user=user))
        m.scope(
            "activity", "volunteering.Activity",
            own=lambda user: Q(status__in=(Activity.Status.OPEN, Activity.Status.FINISHED)) & in_my_community(user),
        )  # fmt: skip
        m.scope("signup", "volunteering.Signup", region_path="activity__region_path",
                own=lambda user: Q(volunteer__user=user))  # fmt: skip
        m.region_table("volunteering.Reward")

        kinds = ("wish", "volunteer", "team", "activity", "signup")
        m.allow(OFFICE_ROLES, verbs(kinds, OFFICE_VERBS) | {"wish.publish", "wish.dispatch", "wish.stats"})
        m.allow(GRID_ROLES, verbs(kinds, GRID_VERBS) | {"wish.publish", "wish.dispatch"})
        m.allow((Role.LEADER,), verbs(kinds, ("view",)) | {"wish.stats"})
        m.allow(SELF_ROLES, {"wish.view", "wish.add", "activity.view", "signup.view", "volunteer.view", "team.view"})
        m.allow((Role.PARTY_MEMBER, Role.VOLUNTEER), {"wish.claim"})

        m.menu("志愿服务", MenuItem("心愿看板", "volunteering:wish_dashboard", "wish.view"))
        m.menu("志愿服务", MenuItem("微心愿", "volunteering:wish_list", "wish.view"))
        m.menu("志愿服务", MenuItem("志愿活动", "volunteering:activity_list", "activity.view"))
        m.menu("志愿服务", MenuItem("志愿者", "volunteering:volunteer_list", "volunteer.view"))
        m.menu("志愿服务", MenuItem("服务队", "volunteering:team_list", "team.view"))
        m.menu("志愿服务", MenuItem("时长更正", "volunteering:correction_list", "activity.change"))
        m.menu("志愿服务", MenuItem("积分兑换", "volunteering:redemption_list", "volunteer.change"))

        m.stat(Statistic("volunteering.wishes_open", "待认领微心愿", selectors.wishes_open_count, "wish.view", unit="个",
                         url="volunteering:wish_dashboard"))  # fmt: skip
        m.stat(
            Statistic("volunteering.volunteers", "注册志愿者", selectors.volunteer_count, "volunteer.view", unit="人")
        )
        m.stat(Statistic("volunteering.hours", "志愿服务时长", selectors.hours_confirmed_total, "volunteer.view",
                         unit="小时"))  # fmt: skip
        m.stat(Statistic("volunteering.activities_open", "报名中的志愿活动", selectors.activities_open_count,
                         "activity.view", unit="场"))  # fmt: skip

        m.personal_data(PersonalDataSection("volunteer", "志愿服务", selectors.personal_data_volunteer, order=80))
        m.personal_data(PersonalDataSection("wishes", "微心愿", selectors.personal_data_wishes, order=81))
        m.personal_data(PersonalDataSection("wish_claims", "我认领的微心愿", selectors.personal_data_claims, order=82))
        m.retention(RetentionKind("closed_wish", "已办结的微心愿（心愿人信息）", 365 * 3, services.purge_closed_wishes,
                                  note="办结满 3 年后匿名化心愿人姓名、地址和照片；服务时长记录保留"))  # fmt: skip

        notifications.register_templates(
            {"volunteering_wish_claimed": "您的微心愿（{title}）已被认领，志愿者将与您联系。"}
        )
        m.resident_link(ResidentLink("wishes", "微心愿", "volunteering:wall", order=60))
        m.resident_link(ResidentLink("volunteer", "志愿服务", "volunteering:activities", order=70))
        m.demo(DemoStep("volunteering", demo.run, after=("people",)))
