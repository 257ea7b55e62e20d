"""core.workflow.transition(): the one compare-and-set move that corrections, import batches and events share."""

import pytest

from linli.core.errors import ConflictError
from linli.core.workflow import transition
from linli.privacy import services
from linli.privacy.factories import CorrectionRequestFactory
from linli.privacy.models import CorrectionRequest, CorrectionTransition

pytestmark = pytest.mark.django_db
S = CorrectionRequest.Status


def test_two_staff_handling_one_request_the_second_gets_a_chinese_conflict_and_writes_nothing(world):
    request = CorrectionRequestFactory(person=world.person_a, requested_by=world.users["resident"])
    stale = CorrectionRequest.objects.get(pk=request.pk)  # the second clerk opened the same page
    services.correction_handle(actor=world.users["staff"], request=request, accept=False, reply="户籍信息无误")
    rows = CorrectionTransition.objects.filter(request=request).count()
    with pytest.raises(ConflictError, match="该申请已被处理"):
        services.correction_handle(actor=world.users["street"], request=stale, accept=False, reply="另一条答复")
    request.refresh_from_db()
    assert request.status == S.REJECTED and request.reply == "户籍信息无误"
    assert CorrectionTransition.objects.filter(request=request).count() == rows


def test_side_effects_run_only_after_commit_and_not_when_the_move_is_refused(world, django_capture_on_commit_callbacks):
    request = CorrectionRequestFactory(person=world.person_a, requested_by=world.users["resident"])
    sent = []
    with django_capture_on_commit_callbacks(execute=True):
        transition(request, to=S.WITHDRAWN, allowed_from=(S.SUBMITTED,), after_commit=[lambda: sent.append("ok")])
        assert sent == []  # not before the commit
    assert sent == ["ok"]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ConflictError):
        transition(request, to=S.WITHDRAWN, allowed_from=(S.SUBMITTED,), after_commit=[lambda: sent.append("no")])
    assert sent == ["ok"]
