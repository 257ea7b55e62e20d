from django.db.models import Q

from linli.core.modules import ModuleConfig


def _org_events(ids):
    from linli.events.models import EventTask

    return Q(handler_org_id__in=ids) | Q(pk__in=EventTask.objects.filter(organisation_id__in=ids).values("event_id"))


class EventsConfig(ModuleConfig):
    name = "linli.events"
    label = "events"
    verbose_name = "事件（工单、派遣、督办、Open311）"
    urls = "linli.events.urls"
    api = "linli.events.api.views"

    def register(self, m):
        from linli.core import notifications
        from linli.core.navigation import MenuItem
        from linli.core.roles import GRID_ROLES, OFFICE_ROLES, SELF_ROLES, Role
        from linli.events import notify
        from linli.events.selectors import home_cards

        # A department or property company sees what was dispatched to it (or whistled to it);
        # a resident sees what they reported; everyone else by the place of the event.
        m.scope("event", "events.Event", org=_org_events, own=lambda user: Q(reporter_user=user))
        m.region_table("events.DispatchRule")  # 派遣规则 are placed in the region tree too

        # dispatch = 受理/派遣/改派/挂起/结案; handle = 签收/退回/办结 as handler; unmask_reporter = 回访 (audited).
        office = {"event.view", "event.add", "event.dispatch", "event.handle", "event.verify", "event.export"}
        office |= {"event.stats", "event.unmask_reporter"}
        m.allow(OFFICE_ROLES, office)
        m.allow((Role.STREET_STAFF, Role.LEADER), {"event.supervise"})
        m.allow((Role.LEADER,), {"event.view", "event.export", "event.stats"})
        m.allow(GRID_ROLES, {"event.view", "event.add", "event.handle", "event.verify", "event.export", "event.stats"})
        m.allow((Role.UNIT_LEADER,), {"event.view", "event.add"})
        m.allow((Role.DEPT_STAFF, Role.PROPERTY_STAFF), {"event.view", "event.handle", "event.export"})
        m.allow(SELF_ROLES, {"event.view", "event.add", "event.rate"})

        m.home_cards(home_cards)
        # Figures the big screen may show, each restricted to the viewer (``event.stats``).
        from linli.core.modules import Statistic
        from linli.events import selectors

        m.stat(
            Statistic(
                "events.open", "未办结事件", selectors.open_count, "event.stats", unit="件", url="events:event_list"
            )
        )
        m.stat(Statistic("events.overdue", "超时未办", selectors.overdue_stat, "event.stats", unit="件"))
        m.stat(Statistic("events.recent", "近30天事件", selectors.recent_count, "event.stats", unit="件"))
        m.menu("工作台", MenuItem("今日工作（手机）", "events:workbench", "event.handle"))
        m.menu("事件", MenuItem("受理派遣", "events:event_queue", "event.dispatch"))
        m.menu("事件", MenuItem("我的任务", "events:my_tasks", "event.handle"))
        m.menu("事件", MenuItem("全部事件", "events:event_list", "event.view"))
        m.menu("事件", MenuItem("电话登记", "events:event_intake", "event.dispatch"))
        m.menu("事件", MenuItem("12345 工单导入", "events:hotline_import", "event.dispatch"))
        m.menu("事件", MenuItem("巡查上报", "events:patrol", "event.handle"))
        m.menu("事件", MenuItem("挂牌督办", "events:supervision_list", "event.view"))
        m.menu("事件", MenuItem("统计分析", "events:stats", "event.stats"))
        m.menu("事件", MenuItem("消息", "events:inbox", "event.view"))
        notifications.register_templates(notify.TEMPLATES)  # the texts of the events' SMS / WeChat messages

        # The events a resident reported are in their data copy; a closed event's contact phone has a time limit.
        from linli.core.modules import PersonalDataSection, RetentionKind
        from linli.events import personal_data

        m.personal_data(PersonalDataSection("events", "我上报的事件", personal_data.personal_data_events, order=90))
        m.retention(RetentionKind("closed_event_phone", "已结案事件的报告人联系电话", 365,
                                  personal_data.purge_closed_event_phones, note="结案满 1 年清除，事件本身保留"))  # fmt: skip

        from linli.core.modules import DemoStep
        from linli.events import demo

        m.demo(DemoStep("events", demo.run, after=("people",)))

        # The big screen's counters (core.tallies, kept after each write commits; manage.py recount_tallies).
        from linli.core import tallies
        from linli.events import screen

        tallies.register(screen.KIND, screen.facts, screen.labels)
        m.provide("events.flagged_items", screen.flagged_items)  # the screen's 挂牌督办 panel: places, never people
