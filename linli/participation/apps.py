from linli.core.modules import ModuleConfig


class ParticipationConfig(ModuleConfig):
    """居民参与: 通知公告与学习 (notices), 议事协商与投票 (deliberation), 业主表决 (votes).

    One app in three parts; each part says what it registers in its own ``registry.py``.
    """

    name = "linli.participation"
    label = "participation"
    verbose_name = "居民参与（通知公告、议事协商、投票、业主表决）"
    urls = "linli.participation.urls"
    api = "linli.participation.api.views"

    def register(self, m):
        from linli.participation.deliberation import registry as deliberation
        from linli.participation.notices import registry as notices
        from linli.participation.votes import registry as votes

        notices.register(m)
        deliberation.register(m)
        votes.register(m)
