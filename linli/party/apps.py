from linli.core.modules import ModuleConfig


class PartyConfig(ModuleConfig):
    name = "linli.party"
    label = "party"
    verbose_name = "党建引领"
    urls = "linli.party.urls"
    api = "linli.party.api.views"

    def register(self, m):
        from django.db.models import Q

        from linli.core import notifications
        from linli.core.modules import DemoStep, ResidentLink
        from linli.core.navigation import MenuItem
        from linli.core.roles import OFFICE_ROLES, PARTY_ROLES, Role, verbs
        from linli.party import demo, selectors

        mine = selectors.my_org_ids_q  # a member's own organisation(s)
        m.scope("partyorg", "party.PartyOrganization", own=lambda user: Q(pk__in=mine(user)))
        m.scope("partymember", "party.PartyMember", own=lambda user: Q(person__user=user, is_active=True))
        m.scope("partymeeting", "party.Meeting", own=lambda user: Q(organization_id__in=mine(user)))
        m.scope(
            "partydisclosure",
            "party.Disclosure",
            own=lambda user: Q(status="published") & (Q(organization_id__in=mine(user)) | Q(audience="residents")),
        )
        m.scope("partyunit", "party.ReportingUnit")
        m.scope("partyposition", "party.Position", own=lambda user: Q(pk__in=selectors.my_position_ids_q(user)))
        m.scope("partycadre", "party.Cadre")

        kinds = (
            "partyorg",
            "partymember",
            "partymeeting",
            "partydisclosure",
            "partyunit",
            "partyposition",
            "partycadre",
        )
        m.allow(PARTY_ROLES, verbs(kinds, ("view", "add", "change", "delete", "export")))
        m.allow(PARTY_ROLES, {"partymember.unmask"})
        m.allow((Role.PARTY_OFFICE,), {"partydisclosure.review"})
        # Office staff and leaders see the organisations, meetings and 双报到, never the members' details.
        m.allow(
            OFFICE_ROLES + (Role.LEADER,),
            verbs(("partyorg", "partymeeting", "partyunit", "partyposition", "partycadre"), ("view",)),
        )
        m.allow(
            (Role.PARTY_MEMBER,),
            {"partyorg.view", "partymember.view", "partymeeting.view", "partydisclosure.view", "partyposition.view"},
        )
        m.allow((Role.RESIDENT, Role.VOLUNTEER), {"partydisclosure.view"})

        m.menu("党建", MenuItem("党组织", "party:partyorg_list", "partyorg.view"))
        m.menu("党建", MenuItem("党员", "party:partymember_list", "partymember.view"))
        m.menu("党建", MenuItem("三会一课", "party:partymeeting_list", "partymeeting.view"))
        m.menu("党建", MenuItem("会议日历", "party:partymeeting_calendar", "partymeeting.view"))
        m.menu("党建", MenuItem("组织生活达标", "party:compliance", "partymeeting.view"))
        m.menu("党建", MenuItem("党务公开", "party:partydisclosure_list", "partydisclosure.add"))
        m.menu("党建", MenuItem("双报到单位", "party:partyunit_list", "partyunit.view"))
        m.menu("党建", MenuItem("服务岗位", "party:partyposition_list", "partyposition.view"))
        m.menu("党建", MenuItem("服务记录", "party:partyservice_list", "partyunit.view"))
        m.menu("党建", MenuItem("下沉干部", "party:partycadre_list", "partycadre.view"))
        m.menu("党建", MenuItem("党员学习", "party:partymaterial_list", "partymember.change"))
        m.menu("党建", MenuItem("结对帮扶", "party:partypairing_list", "partymember.change"))
        m.menu("党建", MenuItem("双报到半年报告", "party:report", "partyunit.view"))

        notifications.register_templates({"party_meeting": "您所在的{org}将于{when}召开{kind}：{title}，请准时参加。"})
        m.resident_link(
            ResidentLink("party", "我的党组织", "party:my_branch", order=50,
                         visible=lambda user: selectors.my_member(user=user) is not None)
        )  # fmt: skip
        m.home_cards(selectors.home_cards)  # a member's branch, next meeting, study hours; secretaries' behind-cycle
        m.provide("party.position_holders", selectors.position_holders)  # volunteering's 派单 to a position holder
        m.demo(DemoStep("party", demo.run, after=("core", "people")))
