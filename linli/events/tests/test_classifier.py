"""The event classifier's contract: suggest(), category_of(), train() with staff corrections, loading.

Accuracy figures are not asserted here: they live in `manage.py train_classifier --report` and
bench/classify.py. These tests train once per module (a few seconds) and check behaviour.
"""

import io
import os
import threading

import numpy as np
import pytest
from django.core.management import call_command

from linli.events import classifier

# Fresh texts (not in the committed data: see test_obvious_cases_are_not_training_texts), a few per 大类.
OBVIOUS = [
    ("安全出口的门被铁链子锁住了，着火了跑不出去", "0101"),
    ("楼道里有人给电瓶车充电，线是从窗户吊下来的", "0102"),
    ("厨房里一股很浓的煤气味，是不是漏气了", "0103"),
    ("路边的垃圾桶满得溢出来了，好几天没人收", "0202"),
    ("墙上和电线杆上贴满了办证的小广告", "0204"),
    ("小区草坪上全是狗屎，遛狗的人也不捡", "0209"),
    ("马路上的井盖不见了，留下一个大洞", "0302"),
    ("我们这条街的路灯晚上都不亮，黑黢黢的", "0303"),
    ("家里从早上开始就停水了，也没有通知", "0304"),
    ("有辆小车一直停在消防通道上不挪", "0401"),
    ("十字路口的红绿灯坏了，车子乱开", "0404"),
    ("盲道上停满了汽车，盲人没法走", "0406"),
    ("老板拖欠了我们三个月的工资不发", "0504"),
    ("退房的时候房东不肯退押金", "0505"),
    ("和楼下邻居因为漏水吵起来了，希望社区调解", "0501"),
    ("我的电动车昨天晚上在楼下被偷了", "0602"),
    ("楼上装修电钻声响了一整天，吵得没法休息", "0603"),
    ("接到冒充公安的电话，说我涉案要我转账", "0606"),
    ("旁边工地半夜两点还在打桩施工", "0701"),
    ("楼下饭馆的油烟全部熏到我家里", "0702"),
    ("有人在河边焚烧垃圾，冒黑烟", "0703"),
    ("电梯坏了，有人被困在里面出不来", "0801"),
    ("楼上卫生间漏水，漏到我家天花板上", "0804"),
    ("单元门禁刷卡打不开，进不了门", "0802"),
    ("家里困难，想问问低保要怎么申请", "0901"),
    ("孩子打疫苗需要提前预约吗", "0903"),
    ("想办居住证，去哪里办，要带什么", "0908"),
    ("隔壁独居的老人好几天没出门了，敲门也没人应", "1001"),
    ("有人在超市门口晕倒了，快叫救护车", "1006"),
    ("有个人站在楼顶边上，说要跳下去", "1004"),
]

# How residents really type: traditional characters, homophone slips, emoji, dialect, no punctuation.
NOISY = [
    ("井概不見了晚上好危險", "0302"),
    ("楼到里面有人冲电瓶车😡", "0102"),
    ("莫得水了 一整天了 搞快点", "0304"),
    ("樓上天天跳廣場午的音響太大聲", "0603"),
]

# Local slang the committed data has never seen ("blue vests": people who lure old residents into scams).
CORRECTED_TEXT = "蓝马甲又到小区里来了，在活动室门口拉老人"


@pytest.fixture(scope="module")
def model():
    """The model trained from the committed data, installed as the process-wide model for this module."""
    trained, _ = classifier._train_model()
    classifier.set_model(trained)
    yield trained
    classifier.set_model(None)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def codes(rows):
    return [r["code"] for r in rows]


def test_suggest_returns_k_suggestions_best_first(model):
    taxonomy = classifier.taxonomy()
    for k in (1, 3, 5):
        rows = classifier.suggest("小区门口的井盖被人偷了", k=k)
        assert len(rows) == k
        assert all(set(r) == {"code", "name", "confidence"} for r in rows)
        assert all(r["code"] in taxonomy and r["name"] == taxonomy[r["code"]]["name"] for r in rows)
        assert all(0.0 <= r["confidence"] <= 1.0 for r in rows)
        assert [r["confidence"] for r in rows] == sorted((r["confidence"] for r in rows), reverse=True)
    assert classifier.suggest("小区门口的井盖被人偷了")[0]["code"] == "0302"
    assert len(classifier.suggest("井盖", k=200)) == len(taxonomy)


def test_confidences_over_all_classes_sum_to_at_most_one(model):
    probs = model.predict_proba(["电梯坏了", "", "今天天气不错", "井盖丢了，路灯也不亮"])
    assert probs.shape[1] == len(classifier.taxonomy())
    assert np.all(probs >= 0) and np.all(probs.sum(axis=1) <= 1.0 + 1e-6)


@pytest.mark.parametrize("text", ["", "   ", None, "？？？", "asdfghjkl", "😀😀😀", "123456", "哈哈哈哈哈", "你好"])
def test_empty_or_garbage_text_gets_low_confidences_not_an_error(model, text):
    rows = classifier.suggest(text)
    assert len(rows) == 3
    assert rows[0]["confidence"] < 0.5


@pytest.mark.parametrize("text", [12345, ["井盖"], "井盖丢了" * 3000, "\x00\ufffd\u200b", "ＡＢＣ１２３"])
def test_odd_input_never_raises(model, text):
    rows = classifier.suggest(text)
    assert isinstance(rows, list) and all(0.0 <= r["confidence"] <= 1.0 for r in rows)


def test_k_of_zero_or_nonsense_is_handled(model):
    assert classifier.suggest("井盖丢了", k=0) == []
    assert classifier.suggest("井盖丢了", k=-2) == []
    assert len(classifier.suggest("井盖丢了", k="2")) == 2
    assert len(classifier.suggest("井盖丢了", k=None)) == 3


def test_obvious_cases_are_not_training_texts():
    known = {classifier.normalize(s.text) for s in classifier.committed_samples()}
    assert not [t for t, _ in OBVIOUS + NOISY if classifier.normalize(t) in known]


@pytest.mark.parametrize(("text", "code"), OBVIOUS)
def test_obvious_report_has_its_sub_category_in_top3(model, text, code):
    rows = classifier.suggest(text, k=3)
    assert code in codes(rows), rows
    assert classifier.category_of(rows[0]["code"]) == classifier.category_of(code), rows


@pytest.mark.parametrize(("text", "code"), NOISY)
def test_noisy_writing_still_finds_the_sub_category(model, text, code):
    assert code in codes(classifier.suggest(text, k=3))


def test_category_of_gives_the_two_digit_category():
    assert classifier.category_of("0102") == "01"
    assert classifier.category_of("1006") == "10"
    assert all(classifier.category_of(code) == entry["category"] for code, entry in classifier.taxonomy().items())


def test_retraining_with_corrections_changes_the_prediction(model, var_dir):
    assert model.suggest("那群蓝马甲又来了", k=1)[0]["code"] != "0606"
    try:
        metrics = classifier.train([(CORRECTED_TEXT, "0606"), ("", "0606"), ("没有分类", "99"), ("坏的",)])
        assert (metrics["n_extra"], metrics["n_extra_dropped"]) == (1, 3)
        assert (var_dir / "classifier" / "model.joblib").exists()
        assert classifier.suggest("那群蓝马甲又来了", k=1)[0]["code"] == "0606"
    finally:
        classifier.set_model(model)


def test_train_command_learns_from_dispatchers_corrections(model, var_dir, world, open_event):
    from linli.events import services

    event = open_event(text=CORRECTED_TEXT, category_code="0201")
    services.event_set_category(event=event, actor=world.users["staff"], category_code="0606", text=CORRECTED_TEXT)
    out = io.StringIO()
    try:
        call_command("train_classifier", stdout=out)
        assert "更正 1" in out.getvalue()
        assert classifier.suggest("那群蓝马甲又来了", k=1)[0]["code"] == "0606"
    finally:
        classifier.set_model(model)


def test_fast_scoring_matches_sklearn_and_survives_a_save(model, var_dir):
    texts = [t for t, _ in OBVIOUS + NOISY] + ["", "😀", "井盖丢了" * 400]
    assert np.allclose(model.scores(texts), model.scores_sklearn(texts), atol=1e-4)
    classifier._save(model, classifier.model_path())
    loaded = classifier._load(classifier.model_path())
    assert np.allclose(loaded.scores(texts), model.scores(texts), atol=1e-6)


def test_same_data_gives_the_same_model():
    samples = [s for i, s in enumerate(classifier.committed_samples()) if i % 4 == 0]
    a, b = classifier.fit(samples), classifier.fit(samples)
    texts = [t for t, _ in OBVIOUS]
    assert np.array_equal(a.svm.coef_, b.svm.coef_)
    assert [a.suggest(t, 1)[0]["code"] for t in texts] == [b.suggest(t, 1)[0]["code"] for t in texts]


def test_concurrent_first_calls_load_one_model(model, var_dir):
    classifier._save(model, classifier.model_path())
    classifier.set_model(None)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(classifier.get_model())) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(seen) == 8 and all(m is seen[0] for m in seen)
        assert seen[0].meta == model.meta
    finally:
        classifier.set_model(model)


def test_unreadable_or_foreign_model_file_is_ignored(model, var_dir):
    path = classifier.model_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    assert classifier._load(path) is None
    model.meta, saved = {**model.meta, "sklearn": "0.0"}, model.meta
    try:
        classifier._save(model, path)
        assert classifier._load(path) is None
    finally:
        model.meta = saved


def test_web_process_picks_up_a_model_saved_by_another_process(model, var_dir, monkeypatch):
    path = classifier.model_path()
    classifier._save(model, path)
    classifier.set_model(None)
    monkeypatch.setattr(classifier, "RELOAD_CHECK_SECONDS", 0.0)
    try:
        first = classifier.get_model()
        assert classifier.get_model() is first  # unchanged file: no reload
        retrained_meta, model.meta = model.meta, {**model.meta, "trained_at": "retrained elsewhere"}
        try:
            classifier._save(model, path)  # what train_classifier does in another process
        finally:
            model.meta = retrained_meta
        os.utime(path, (path.stat().st_mtime + 10, path.stat().st_mtime + 10))
        second = classifier.get_model()
        assert second is not first and second.meta["trained_at"] == "retrained elsewhere"
        path.write_bytes(b"half a file")  # an unusable file never replaces a working model
        os.utime(path, (path.stat().st_mtime + 20, path.stat().st_mtime + 20))
        assert classifier.get_model() is second
    finally:
        classifier.set_model(model)
