from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "linli.events"
    label = "events"
    verbose_name = "事件（工单、派遣、督办、Open311）"
