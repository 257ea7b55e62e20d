"""The database router: writes to ``default``; reads to the replica only as ``linli.core.replica`` decides.

Installed always (``DATABASE_ROUTERS``); without ``DATABASES["replica"]`` it answers nothing and Django routes
every query to ``default`` exactly as without a router.
"""

from django.db import DEFAULT_DB_ALIAS

from linli.core import replica

ALIASES = {DEFAULT_DB_ALIAS, replica.REPLICA}


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica.enabled():
            return None
        # Always an answer, never the instance's own database: an object read from the replica inside a
        # reading() block reads its relations from default once the block is over.
        return replica.read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS if replica.enabled() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as default: an object read there may point at one read here.
        if obj1._state.db in ALIASES and obj2._state.db in ALIASES:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica is read-only; it receives the schema from default through replication.
        return False if db == replica.REPLICA else None
