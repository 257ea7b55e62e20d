from linli.core.modules import ModuleConfig


class DashboardConfig(ModuleConfig):
    name = "linli.dashboard"
    label = "dashboard"
    verbose_name = "指挥大屏与分析"
    urls = "linli.dashboard.urls"
    api = "linli.dashboard.api.views"

    def register(self, m):
        from linli.core.modules import DemoStep
        from linli.core.navigation import MenuItem
        from linli.core.roles import Role
        from linli.dashboard import demo

        # screen.view: the big screen's aggregates for the viewer's regions, nothing else (no list, no record).
        m.allow((Role.LEADER, Role.COMMAND_CENTRE, Role.SCREEN_KIOSK), {"screen.view"})
        # The command centre dispatches from the screen's drill-down: it reads the events of its region.
        m.allow((Role.COMMAND_CENTRE,), {"event.view", "event.stats"})
        m.menu("事件", MenuItem("指挥大屏", "dashboard:screen", "screen.view"))
        m.menu("事件", MenuItem("热点分析", "dashboard:analytics", "event.stats"))
        m.demo(DemoStep("dashboard", demo.run, after=("events",)))
