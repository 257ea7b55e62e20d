"""Querysets of the hot paths whose SQL is compiled once per process, then only executed.

Django builds and compiles the SQL of a queryset anew on every evaluation (``filter`` → ``Q`` → ``WhereNode``,
``select_related`` column lists, quoting); on the API's event create that was about a third of the CPU. A
:class:`CompiledQuery` takes a function that builds the queryset from named parameters and the model field
each parameter is compared with. On first use (per database alias) it builds the queryset with sentinel
values, compiles it, and remembers the SQL and where in the parameter list each sentinel landed. Later calls
convert the real values exactly as the field would (``get_prep_value`` / ``get_db_prep_value``; a ``LIKE``
pattern is escaped and wrapped as Django wraps it), put them in those places and execute the remembered SQL
through the same compiler, so rows, converters and ``select_related`` instances are Django's own::

    GRANTS = CompiledQuery(
        Grant,
        lambda user_id: Grant.objects.filter(user_id=user_id).select_related("region"),
        user_id=(Grant, "user"),
    )
    GRANTS.fetch(user_id=7)          # a list of Grant instances, as list(queryset) would give

Only for shapes that do not change with the values (no ``__in`` lists of varying length, no optional
filters): a different shape is a different CompiledQuery. The results are identical to the queryset's (tests
in ``linli/core/tests/test_compiled.py`` and in the apps compare them).
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import threading
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet

_UTC = dt.UTC


@dataclass
class _Slot:
    position: int
    name: str
    prefix: str | None = None  # a LIKE pattern: prefix + escaped value + suffix
    suffix: str = ""


@dataclass
class _Plan:
    model: type
    query: Any
    compiler: Any
    sql: str
    params: tuple
    slots: list[_Slot]
    iterable_class: type
    fields: tuple | None


def _sentinel(field, index: int):
    """A value of the field's type that no real call passes, distinct per parameter."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField", "EmailField"):
        return f"linli~compiled~{index}~"
    if kind == "DateTimeField":
        return dt.datetime(1901, 2, 3, 4, 5, 6, 1000 + index, tzinfo=_UTC)
    if kind == "DecimalField":
        return decimal.Decimal(f"-{700 + index}.{123456 + index}")
    if kind in (
        "AutoField",
        "BigAutoField",
        "IntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "SmallIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "SmallAutoField",
    ):
        return (
            2_000_000_011 + index * 7
            if kind not in ("SmallIntegerField", "PositiveSmallIntegerField", "SmallAutoField")
            else 30_011 + index
        )
    raise ImproperlyConfigured(f"CompiledQuery: no sentinel for a {kind}")


class CompiledQuery:
    """A queryset shape compiled once per process and database alias; see the module's docstring."""

    def __init__(self, model: type, build, **params: tuple[type, str]):
        self.model, self._build = model, build
        self._fields = {name: model._meta.get_field(field) for name, (model, field) in params.items()}
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _bind(self, name: str, value, connection):
        field = self._fields[name]
        if value is None:
            return None
        return field.get_db_prep_value(field.get_prep_value(value), connection, prepared=True)

    def _plan(self, alias: str) -> _Plan:
        plan = self._plans.get(alias)
        if plan is not None:
            return plan
        with self._lock:
            plan = self._plans.get(alias)
            if plan is None:
                plan = self._plans[alias] = self._compile(alias)
        return plan

    def _compile(self, alias: str) -> _Plan:
        connection = connections[alias]
        samples = {name: _sentinel(field, i) for i, (name, field) in enumerate(self._fields.items())}
        qs = self._build(**samples)
        compiler = qs.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        bound = {name: self._bind(name, value, connection) for name, value in samples.items()}
        slots: list[_Slot] = []
        for position, param in enumerate(params):
            for name, value in bound.items():
                if type(param) is type(value) and param == value:
                    slots.append(_Slot(position, name))
                    break
                if isinstance(value, str) and isinstance(param, str) and value in param:
                    prefix, _, suffix = param.partition(value)
                    slots.append(_Slot(position, name, prefix, suffix))
                    break
        missing = set(bound) - {slot.name for slot in slots}
        if missing:
            raise ImproperlyConfigured(f"CompiledQuery: parameters {sorted(missing)} do not reach the SQL as values")
        return _Plan(
            model=qs.model,
            query=qs.query,
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            slots=slots,
            iterable_class=qs._iterable_class,
            fields=qs._fields,
        )

    def queryset(self, *, using: str | None = None, hints: dict | None = None, **values) -> QuerySet:
        """An unevaluated QuerySet that runs the compiled SQL with ``values`` (iterate it once)."""
        alias = using or router.db_for_read(self.model, **(hints or {})) or "default"
        plan = self._plan(alias)
        connection = connections[alias]
        params = list(plan.params)
        for slot in plan.slots:
            value = self._bind(slot.name, values[slot.name], connection)
            if slot.prefix is not None:
                value = f"{slot.prefix}{connection.ops.prep_for_like_query(value)}{slot.suffix}"
            params[slot.position] = value
        compiler = copy.copy(plan.compiler)
        compiler.connection = connection
        sql, args = plan.sql, tuple(params)
        compiler.as_sql = lambda *a, **k: (sql, args)
        query = copy.copy(plan.query)
        query.get_compiler = lambda *a, **k: compiler
        qs = QuerySet(model=plan.model, query=query, using=alias)
        qs._iterable_class = plan.iterable_class
        qs._fields = plan.fields
        return qs

    def fetch(self, *, using: str | None = None, hints: dict | None = None, **values) -> list:
        """The rows, as ``list(queryset)`` of the built queryset would give them."""
        return list(self.queryset(using=using, hints=hints, **values))

    def first(self, **values):
        rows = self.fetch(**values)
        return rows[0] if rows else None


# --- single-row inserts -------------------------------------------------------------------------------------


@dataclass
class _Insert:
    sql: str
    fields: list
    returning_fields: list
    returning_params: tuple
    compiler: Any
    converters: dict
    verbatim: list  # per field: the value types get_db_prep_save returns unchanged (and None), or ()


def _verbatim(field) -> tuple:
    """The types whose values ``field.get_db_prep_save`` passes through unchanged: Django's own plain fields only
    (exact classes: a subclass may convert), ``None`` included (each of these answers ``None`` for it)."""
    from django.db import models

    if type(field) in (models.CharField, models.TextField):
        return (str, type(None))
    if type(field) is models.BooleanField:
        return (bool, type(None))
    if type(field) in (models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                       models.SmallIntegerField, models.BigIntegerField):  # fmt: skip
        return (int, type(None))
    if type(field) is models.ForeignKey and type(field.target_field) in (models.AutoField, models.BigAutoField):
        return (int, type(None))
    return ()


_NO_PLAN = object()  # a model whose INSERT's text could depend on its values: always saved the ordinary way


def _insert_plan(model: type, connection):
    """The INSERT of one ``model`` row on ``connection``, compiled once (kept on the connection: one per thread)."""
    plans = connection.__dict__.setdefault("_linli_inserts", {})
    plan = plans.get(model)
    if plan is not None:
        return plan
    from django.db.models.sql import InsertQuery

    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    returning_fields = list(meta.db_returning_fields)
    plan = _NO_PLAN
    if (
        not meta.parents
        and connection.features.can_return_columns_from_insert
        and not any(hasattr(f, "get_placeholder") for f in fields)
    ):
        query = InsertQuery(model)
        query.insert_values(fields, [model()])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = returning_fields
        [(sql, params)] = compiler.as_sql()
        returning_params = tuple(getattr(compiler, "returning_params", ()))
        if len(params) == len(fields) + len(returning_params) and sql.count("%s") == len(params):
            cols = [f.get_col(meta.db_table) for f in returning_fields]
            plan = _Insert(
                sql,
                fields,
                returning_fields,
                returning_params,
                compiler,
                compiler.get_converters(cols),
                [_verbatim(f) for f in fields],
            )
    plans[model] = plan
    return plan


def insert_one(obj, *, using: str | None = None):
    """``obj.save(force_insert=True)`` for a new row, with the INSERT's SQL compiled once per connection.

    Django compiles an INSERT anew for every row (quoting, placeholders, the RETURNING clause); for the 61 columns
    of an event that is a quarter of a millisecond. Here only the values are converted, each exactly as Django
    converts it (``pre_save`` then ``get_db_prep_save``); the signals are sent, related objects checked and the
    returned id set as ``save`` does them. A model's own ``save()`` is *not* called: only for models whose
    ``save`` adds nothing to a first insert. Objects that already have a primary key, models with parents,
    and backends that cannot return the id fall back to ``save``; a row with an expression among its values is
    compiled for itself, as ``save`` compiles it.
    Tests: ``linli/core/tests/test_compiled.py``.
    """
    from django.db import transaction
    from django.db.models import signals

    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    connection = connections[alias]
    plan = _insert_plan(model, connection) if obj.pk is None else _NO_PLAN
    if plan is _NO_PLAN:
        obj.save(force_insert=True, using=alias)
        return obj
    obj._prepare_related_fields_for_save(operation_name="save")
    meta = model._meta
    if not meta.auto_created:
        signals.pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    values = [field.pre_save(obj, True) for field in plan.fields]
    with transaction.mark_for_rollback_on_error(using=alias):
        if any(hasattr(value, "resolve_expression") for value in values):  # compiled for this row, as save does
            row = model._base_manager._insert(
                [obj], fields=plan.fields, returning_fields=plan.returning_fields, using=alias
            )[0]
        else:
            params = [
                v if type(v) in same else field.get_db_prep_save(v, connection=connection)
                for field, v, same in zip(plan.fields, values, plan.verbatim, strict=True)
            ]
            params.extend(plan.returning_params)
            with connection.cursor() as cursor:
                cursor.execute(plan.sql, params)
                row = connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params)
            if plan.converters:
                row = next(iter(plan.compiler.apply_converters([row], plan.converters)))
    for value, field in zip(row, plan.returning_fields, strict=True):
        setattr(obj, field.attname, value)
    obj._state.db = alias
    obj._state.adding = False
    if not meta.auto_created:
        signals.post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias)
    return obj
