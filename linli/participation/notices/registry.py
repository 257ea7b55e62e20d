"""What participation's notices part tells the platform (called from ParticipationConfig.register)."""


def register(m) -> None:
    from linli.core import notifications
    from linli.core.modules import DemoStep, PersonalDataSection, ResidentLink, RetentionKind, Statistic
    from linli.core.navigation import MenuItem
    from linli.core.roles import GRID_ROLES, OFFICE_ROLES, SELF_ROLES, Role, verbs
    from linli.participation.notices import demo, selectors, services, tasks  # noqa: F401  (tasks: huey finds them)

    # Staff see notices by where they are placed; a resident sees the published ones delivered to them.
    m.scope("notice", "participation.Notice", own=selectors.own_notices_q)
    m.scope("learningmaterial", "participation.LearningMaterial", own=selectors.own_materials_q)
    m.region_table("participation.NoticeDelivery")  # the recipient's grid when the notice went out
    m.region_table("participation.StudyProgress")

    m.allow(OFFICE_ROLES, verbs(("notice", "learningmaterial"), ("view", "add", "change", "export")))
    m.allow(GRID_ROLES, verbs(("notice", "learningmaterial"), ("view",)))
    m.allow((Role.GRID_LEADER,), {"notice.add", "notice.change"})
    m.allow((Role.UNIT_LEADER, Role.LEADER), {"notice.view", "learningmaterial.view"})
    m.allow(SELF_ROLES, {"notice.view", "learningmaterial.view"})

    m.menu("通知学习", MenuItem("通知公告", "participation:notice_list", "notice.view"))
    m.menu("通知学习", MenuItem("发布通知", "participation:notice_add", "notice.add"))
    m.menu("通知学习", MenuItem("学习资料", "participation:learningmaterial_list", "learningmaterial.view"))

    notifications.register_templates(services.TEMPLATES)
    m.stat(Statistic("notices.published", "已发布通知", selectors.notice_count, "notice.view", unit="条",
                     url="participation:notice_list"))  # fmt: skip
    m.stat(Statistic("notices.delivered", "通知送达", selectors.delivered_count, "notice.view", unit="人次"))
    m.personal_data(PersonalDataSection("notice_reads", "我收到的通知", selectors.personal_data_reads, order=110))
    m.personal_data(PersonalDataSection("study", "我的学习时长", selectors.personal_data_study, order=111))
    m.retention(RetentionKind("notice_delivery", "通知送达与阅读记录", 730, services.purge_expired,
                              note="通知过期或撤回满 2 年后删除送达与阅读记录，通知本身保留"))  # fmt: skip
    m.resident_link(ResidentLink("notices", "通知公告", "participation:my_notices", order=10))
    m.resident_link(ResidentLink("learning", "学习园地", "participation:my_learning", order=20))
    m.demo(DemoStep("notices", demo.run, after=("people",)))
    # Party members' learning (linli/party) goes through these: materials for given persons, their study time.
    m.provide("learning.assign", services.assign_to_persons)
    m.provide("learning.progress", services.progress_of)
    m.provide("learning.record_study", services.record_study_by_id)
    m.provide("learning.study_seconds", services.study_seconds)
    m.provide("learning.url", services.material_url)
