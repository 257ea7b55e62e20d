"""The nightly job turns dispatchers' corrections into the next model."""

import pytest

from linli.events import classifier
from linli.events.models import ClassificationFeedback
from linli.events.tasks import retrain_classifier

TEXT = "楼道里那个咕噜机又坏了转不动"  # a made-up local word for the lift: the base model cannot know it


@pytest.mark.django_db
def test_nightly_retrain_learns_from_corrections(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    for _ in range(3):
        ClassificationFeedback.objects.create(text=TEXT, suggested_code="0109", chosen_code="0801")
    try:
        metrics = retrain_classifier.call_local()
        assert (tmp_path / "classifier").exists()
        assert classifier.suggest(TEXT, k=1)[0]["code"] == "0801", metrics
    finally:
        classifier.train()  # leave the default model behind for other tests
