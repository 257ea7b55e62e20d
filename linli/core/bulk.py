"""Fast inserts for large imports and the demo: COPY on PostgreSQL, bulk_create elsewhere (written once, here).

Django's bulk_create on PostgreSQL adapts every value client-side (arrays quoted in Python); for 100,000 persons
and their change-log rows that alone is slower than the whole rest of an import. COPY streams rows in psycopg's C
code. Primary keys are reserved first from the table's own sequence, so callers get ``obj.pk`` set exactly as
bulk_create would set it. No signals are sent (bulk_create sends none either).
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router

from linli.core import audit
from linli.core.models import ObjectChange, User

__all__ = ["change_rows", "insert", "reserve_ids", "snapshot", "update_column"]


def reserve_ids(model, objs: list) -> None:
    """Give ``objs`` ids from the table's own sequence (PostgreSQL), so rows can name each other before insertion.

    Elsewhere this does nothing: bulk_create sets the ids itself on SQLite and PostgreSQL.
    """
    if not objs:
        return
    alias = router.db_for_write(model)
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return
    meta = model._meta
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk


def insert(model, objs: list, *, batch_size: int = 1000, reserve: bool = True) -> None:
    """Insert ``objs``: COPY on PostgreSQL, bulk_create in batches of ``batch_size`` elsewhere.

    On PostgreSQL, objects without an id get one from the table's sequence first (``reserve``), so callers find
    ``obj.pk`` set exactly as bulk_create would set it; with ``reserve=False`` rows without ids are copied without
    the id column and the database numbers them (their ``pk`` stays None: the fastest way for rows nobody refers to).
    """
    if not objs:
        return
    alias = router.db_for_write(model)
    conn = connections[alias]
    if conn.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    meta = model._meta
    missing = [obj for obj in objs if obj.pk is None]
    if missing and reserve:
        reserve_ids(model, missing)
    with_ids = not missing or reserve
    fields = [f for f in meta.concrete_fields if with_ids or not f.primary_key]
    if not with_ids and len(missing) != len(objs):
        raise ValueError("insert(reserve=False): either every object has an id or none has")
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    getters = [_getter(f, conn) for f in fields]
    with conn.cursor() as cursor, cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([get(obj) for get in getters])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


_RAW = (
    "CharField", "TextField", "SlugField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
    "IntegerField", "BigIntegerField", "BooleanField", "ForeignKey", "OneToOneField", "BigAutoField", "AutoField",
    "DateField", "PathField", "PrefixSearchField", "PositiveBigIntegerField",
)  # fmt: skip


def _getter(field, conn):
    """How to turn an attribute into a COPY value: the raw attribute where Django would not change it."""
    kind = field.get_internal_type() if hasattr(field, "get_internal_type") else ""
    auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if kind in _RAW and not auto and type(field).__name__ in _RAW:
        attname = field.attname
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), conn)


def update_column(model, column: str, pairs: list[tuple[int, object]], *, batch_size: int = 1000) -> None:
    """Set one column on many rows: ``UPDATE … FROM (VALUES …)`` on PostgreSQL, bulk_update elsewhere."""
    if not pairs:
        return
    conn = connections[router.db_for_write(model)]
    field = model._meta.get_field(column)
    if conn.vendor != "postgresql":
        objs = [model(pk=pk, **{field.attname: value}) for pk, value in pairs]
        model.objects.bulk_update(objs, [field.name], batch_size=batch_size)
        return
    quote = conn.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    cast = field.target_field.db_type(conn) if field.is_relation else field.db_type(conn)
    with conn.cursor() as cursor:
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            params = [x for pair in chunk for x in pair]
            cursor.execute(
                f"UPDATE {table} AS t SET {quote(field.column)} = v.val::{cast} FROM (VALUES {values}) AS v(id, val) "
                f"WHERE t.{pk} = v.id",
                params,
            )


# --- change-log rows for many objects at once ----------------------------------------------------------------

_CHOICES: dict = {}


def _display(field, value):
    table = _CHOICES.get(field)
    if table is None:
        table = _CHOICES[field] = {k: str(v) for k, v in field.flatchoices}
    return table.get(value, value)


def snapshot(obj, labels: dict[str, str | None] | None = None) -> dict:
    """``audit.snapshot`` without a query per foreign key (``labels`` gives the display text of named FKs) and
    with choice labels looked up once per field."""
    labels = labels or {}
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name.endswith(audit.SECRET_SUFFIXES) or f.name in audit.SKIPPED_FIELDS:
            continue
        if isinstance(f, models.ForeignKey):
            if getattr(obj, f.attname) is None:
                data[str(f.verbose_name)] = None
            elif f.name in labels:
                data[str(f.verbose_name)] = labels[f.name]
            else:
                data[str(f.verbose_name)] = str(getattr(obj, f.name))
            continue
        value = _display(f, getattr(obj, f.attname)) if f.choices else getattr(obj, f.attname)
        data[str(f.verbose_name)] = audit._value(value)
    return data


def change_rows(
    *,
    actor: User | None,
    objs: list,
    action: str,
    request_id: str,
    before: dict | None = None,
    labels: Callable | None = None,
) -> list[ObjectChange]:
    """ObjectChange rows for many objects at once (bulk-inserted by the caller)."""
    if not objs:
        return []
    ct = ContentType.objects.get_for_model(objs[0].__class__)
    actor_ok = actor if actor is not None and actor.pk else None
    out = []
    for obj in objs:
        after = snapshot(obj, labels(obj) if labels else None)
        out.append(
            ObjectChange(
                actor=actor_ok,
                actor_name=str(actor) if actor else "系统",
                action=action,
                target_type=ct,
                target_id=str(obj.pk),
                target_repr=str(obj)[:200],
                before=(before or {}).get(obj.pk),
                after=after,
                request_id=request_id[:32],
            )
        )
    return out
