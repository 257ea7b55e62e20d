"""Plumbing: drop the per-process caches (``linli.events.caches``) when the tables behind them change."""

from django.db.models.signals import post_delete, post_save

from linli.events import caches

# cache name → models whose rows it is built from ("app_label.Model")
SOURCES = {
    "taxonomy": ["events.Category"],
    "dispatch_rules": ["events.DispatchRule", "core.Organisation", "core.User"],
    "calendar": ["events.Holiday", "events.HolidayYear"],
    "regions": ["core.Region", "core.RegionLevel"],
    "people": ["core.Grant", "core.User"],
}


def _handler(names: tuple[str, ...]):
    def handler(**kwargs):
        caches.invalidate(*names)

    return handler


def connect() -> None:
    from django.apps import apps

    by_model: dict[str, list[str]] = {}
    for name, models in SOURCES.items():
        for label in models:
            by_model.setdefault(label, []).append(name)
    for label, names in by_model.items():
        model = apps.get_model(label)
        handler = _handler(tuple(names))
        for signal in (post_save, post_delete):
            signal.connect(handler, sender=model, weak=False, dispatch_uid=f"events-cache-{label}-{signal}")
