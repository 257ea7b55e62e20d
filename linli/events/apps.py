from django.apps import AppConfig
from django.db.models import Q


def _org_events(ids):
    from linli.events.models import EventTask

    return Q(handler_org_id__in=ids) | Q(pk__in=EventTask.objects.filter(organisation_id__in=ids).values("event_id"))


class EventsConfig(AppConfig):
    name = "linli.events"
    label = "events"
    verbose_name = "事件（工单、派遣、督办、Open311）"

    def ready(self):
        from linli.core import scoping
        from linli.core.home import register_home_cards
        from linli.core.navigation import MenuItem, register_menu
        from linli.events.selectors import home_cards

        # A department or property company sees what was dispatched to it (or whistled to it);
        # a resident sees what they reported; everyone else by the place of the event.
        scoping.register("event", "events.Event", org=_org_events, own=lambda user: Q(reporter_user=user))
        register_home_cards(home_cards)
        register_menu("工作台", MenuItem("今日工作（手机）", "events:workbench", "event.handle"))
        register_menu("事件", MenuItem("受理派遣", "events:event_queue", "event.dispatch"))
        register_menu("事件", MenuItem("我的任务", "events:my_tasks", "event.handle"))
        register_menu("事件", MenuItem("全部事件", "events:event_list", "event.view"))
        register_menu("事件", MenuItem("电话登记", "events:event_intake", "event.dispatch"))
        register_menu("事件", MenuItem("12345 工单导入", "events:hotline_import", "event.dispatch"))
        register_menu("事件", MenuItem("巡查上报", "events:patrol", "event.handle"))
        register_menu("事件", MenuItem("挂牌督办", "events:supervision_list", "event.view"))
        register_menu("事件", MenuItem("统计分析", "events:stats", "event.stats"))
        register_menu("事件", MenuItem("消息", "events:inbox", "event.view"))
        from linli.events import signals

        signals.connect()  # drop the per-process caches when their tables change
