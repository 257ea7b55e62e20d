"""What participation's deliberation part tells the platform (called from ParticipationConfig.register)."""


def register(m) -> None:
    from linli.core import notifications
    from linli.core.modules import DemoStep, PersonalDataSection, ResidentLink, RetentionKind, SearchProvider, Statistic
    from linli.core.navigation import MenuItem
    from linli.core.roles import GRID_ROLES, OFFICE_ROLES, SELF_ROLES, Role
    from linli.participation.deliberation import demo, personal_data, selectors, services, tasks  # noqa: F401

    # A resident sees the public matters and the polls of the places they live in (and what they proposed).
    m.scope("matter", "participation.Matter", own=selectors.own_matters)
    m.scope("poll", "participation.Poll", own=selectors.own_polls)

    office = {"matter.view", "matter.add", "matter.change", "matter.moderate", "matter.export"}
    office |= {"poll.view", "poll.add", "poll.change", "poll.export"}
    m.allow(OFFICE_ROLES, office)
    m.allow(GRID_ROLES, {"matter.view", "matter.add", "poll.view"})
    m.allow((Role.LEADER,), {"matter.view", "poll.view"})
    m.allow(SELF_ROLES, {"matter.view", "matter.propose", "matter.comment", "matter.rate", "poll.view", "poll.vote"})

    m.menu("议事", MenuItem("议事协商", "participation:matter_list", "matter.view"))
    m.menu("议事", MenuItem("社区投票", "participation:poll_list", "poll.view"))
    m.menu("议事", MenuItem("落实督促", "participation:follow_up_overdue", "matter.change"))

    m.home_cards(selectors.home_cards)
    m.search(SearchProvider("matters", "议事议题", selectors.search_matters, "matter.view", order=60))
    m.stat(Statistic("participation.matters_active", "协商中的议题", selectors.active_matter_count, "matter.view",
                     unit="项", url="participation:matter_list"))  # fmt: skip
    m.stat(Statistic("participation.matters", "议事议题", selectors.matter_count, "matter.view", unit="项"))
    m.stat(Statistic("participation.polls_open", "进行中的投票", selectors.open_poll_count, "poll.view", unit="项",
                     url="participation:poll_list"))  # fmt: skip

    notifications.register_templates(services.TEMPLATES)
    m.personal_data(PersonalDataSection("deliberation", "我参与的议事协商与投票", personal_data.collect, order=95))
    m.retention(RetentionKind("matter_report", "议事评论的举报记录", 365, personal_data.purge_reports,
                              note="举报满 1 年删除举报记录，评论本身随议题保留"))  # fmt: skip
    m.resident_link(ResidentLink("matters", "议事协商 · 投票", "participation:my_matters", order=30))
    m.demo(DemoStep("deliberation", demo.run, after=("people", "owner_votes")))
