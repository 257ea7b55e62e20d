"""One way to move a record through its states: compare-and-set, a transition row, side effects after commit.

Events, import batches and correction requests (and every later module: wishes, votes, fees, alarms) move the same
way. Two people acting on the same record at once must not both win; the loser gets a Chinese message, not a
silent overwrite; each move leaves a row saying who did what; messages go out only once the move is committed::

    from linli.core.workflow import transition

    transition(
        request,                     # the record (its ``status`` is read and set)
        to=Status.DONE,
        allowed_from=(Status.SUBMITTED,),
        record=lambda old: CorrectionTransition.objects.create(request=request, from_status=old, ...),
        conflict="该申请已被处理，请刷新页面。",
        after_commit=[lambda: notify(...)],
        handled_at=now,              # other columns written in the same UPDATE
    )

If the model has a ``version`` column, pass ``version_field="version"``: the move then also requires the version
the caller read and increments it (two edits that leave the status unchanged still conflict).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import F, Model

from linli.core.errors import ConflictError


def transition(
    obj: Model,
    *,
    to: str,
    allowed_from: Iterable[str] | None = None,
    record: Callable[[str], object] | None = None,
    conflict: str | Callable[[Model], str] = "该记录的状态刚刚已变化，请刷新后重试。",
    after_commit: Iterable[Callable[[], object]] = (),
    status_field: str = "status",
    version_field: str | None = None,
    **fields,
) -> Model:
    """Move ``obj`` from its current status to ``to`` if nobody moved it first; return ``obj`` updated.

    ``allowed_from``: the statuses this move may start from (None: any). ``record(old_status)`` writes the
    transition row. ``after_commit`` callables run once the surrounding transaction commits (immediately when
    there is none). Raises ``ConflictError(conflict)`` when the status is not allowed or another writer won;
    ``conflict`` may be a callable ``conflict(obj)`` that words the message (say, from the row as it is now).
    """
    old = getattr(obj, status_field)
    if allowed_from is not None and old not in tuple(allowed_from):
        raise ConflictError(_message(conflict, obj))
    values = {status_field: to, **fields}
    match = {"pk": obj.pk, status_field: old}
    if version_field:
        match[version_field] = getattr(obj, version_field)
        values[version_field] = F(version_field) + 1
    if not type(obj)._default_manager.filter(**match).update(**values):
        raise ConflictError(_message(conflict, obj))
    for key, value in values.items():
        if key != version_field:
            setattr(obj, key, value)
    if version_field:
        setattr(obj, version_field, match[version_field] + 1)
    if record is not None:
        record(old)
    for fn in after_commit:
        transaction.on_commit(fn)
    return obj


def _message(conflict: str | Callable[[Model], str], obj: Model) -> str:
    return conflict(obj) if callable(conflict) else conflict
