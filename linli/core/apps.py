from linli.core.modules import ModuleConfig


class CoreConfig(ModuleConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "基础（区域、账号、权限、审计）"
    urls = "linli.core.urls"
    api = "linli.core.api.views"

    def ready(self):
        super().ready()
        _cache_long_statements()

    def register(self, m):
        from linli.core import cache, signals
        from linli.core.roles import GRID_ROLES, GRID_VERBS, OFFICE_ROLES, OFFICE_VERBS, Role, verbs

        signals.connect()
        cache.connect()  # per-process caches (linli.core.cache) drop when the rows they are built from change

        m.scope("region", "core.Region", region_path="path")
        m.scope("organisation", "core.Organisation")
        m.scope("audit", "core.AuditLog", region_path=None)
        m.scope("objectchange", "core.ObjectChange", region_path=None)

        m.allow(OFFICE_ROLES, verbs(("region",), OFFICE_VERBS))
        m.allow(GRID_ROLES, verbs(("region",), GRID_VERBS))
        m.allow((Role.LEADER, Role.UNIT_LEADER, Role.DEPT_STAFF), {"region.view"})
        m.allow((Role.AUDITOR,), {"audit.view", "region.view"})

        from linli.core import demo
        from linli.core.modules import DemoStep

        m.demo(DemoStep("core", demo.run))


def _cache_long_statements() -> None:
    """psycopg parses a statement's placeholders once and caches the result, but only for statements of at most 50
    parameters: an event's INSERT has 61 columns, so every create paid the parse again (0.6 ms of a 7 ms create,
    docs/performance.md, 第三轮). The limit guards against caching ``IN (%s, …)`` lists of every length; our
    statements of 51–200 parameters are fixed ORM inserts, so a cache of the default size (128 entries) holds them."""
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only
        return
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 200)
