"""Persons ledgers as offices keep them go in without hand-editing; problems are named by Excel row and column."""

import datetime as dt

import pytest

from linli.core import attachments
from linli.core.identity import id_check_digit
from linli.core.models import AuditLog, ObjectChange
from linli.dataio import services
from linli.dataio.models import ImportBatch
from linli.dataio.tests.helpers import fullwidth, ids, xlsx
from linli.people.models import Household, Person, Residency, Tag, TagAssignment
from linli.people.services import id_hash

pytestmark = pytest.mark.django_db

S = ImportBatch.Status


def run(user, data, *, name="台账.xlsx", commit=False, create_houses=False, kind="persons"):
    batch = services.import_upload(actor=user, kind=kind, file_name=name, data=data, create_houses=create_houses)
    services.import_validate(batch=batch, actor=user)
    if commit and not batch.error_count:
        services.import_commit(batch=batch, actor=user)
    batch.refresh_from_db()
    return batch


def problems(batch) -> list[str]:
    return [f"第 {e['row']} 行 · {e['column']}：{e['message']}" for e in batch.report["errors"]]


def id_ending_in_x(birth=dt.date(1975, 3, 9)) -> str:
    for seq in range(1000):
        body = f"520402{birth:%Y%m%d}{seq:03d}"
        if id_check_digit(body) == "X":
            return body + "X"
    raise AssertionError


def by_id(number: str) -> Person:
    return Person.objects.get(id_number_hash=id_hash("resident_id", number))


def test_messy_ledger_goes_in_without_hand_editing(world):
    head, wife = ids(1)[0], ids(1, male=False)[0]
    lower_x = id_ending_in_x().lower()
    rows = [
        # A two-level header: "住址" merged over 楼栋/单元/房号, the other headers merged down two rows.
        [
            "序号",
            "姓名",
            "性别",
            "公民身份号码",
            "手机号",
            "住址",
            None,
            None,
            "与户主关系",
            "入住时间",
            "政治面貌",
            "民族",
        ],
        [None, None, None, None, None, "楼栋", "单元", "房号", None, None, None, None],
        [
            1,
            " 赵 六 ",
            "男",
            fullwidth(head),
            "138-0013 8000",
            "３栋",
            "二单元",
            "５０１室",
            "户主",
            43831,
            "党员",
            "汉",
        ],
        [None] * 12,
        [2, "钱七", "女", wife, "139 0013 9000", "3", "2", 501, "妻子", "2020/1/1", "群众", "汉族"],
        [3, "孙八", None, lower_x, "0851-33221234", "3号楼", "2", "501", "其他", "2020年1月1日", "", ""],
    ]
    data = xlsx(
        rows,
        title_rows=[
            ["彩虹社区实有人口登记表（2026 年第一季度）"],
            ["填报单位：第一网格", None, None, "填报日期：2026-01-05"],
        ],
        merges=["A1:L1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:H3", "I3:I4", "J3:J4", "K3:K4", "L3:L4"],
    )
    batch = run(world.users["grid1"], data)
    assert problems(batch) == []
    assert (batch.created, batch.updated, batch.unchanged) == (3, 0, 0)
    assert batch.report["header_row"] == 4
    services.import_commit(batch=batch, actor=world.users["grid1"])
    batch.refresh_from_db()
    assert batch.status == S.COMMITTED
    zhao = by_id(head)
    assert zhao.name == "赵六" and zhao.political_status == "cpc" and zhao.ethnicity == "汉族"
    assert zhao.phone_masked == "138****8000" and zhao.phone_last4 == "8000"
    assert zhao.region_id == world.unit_a1.pk  # filed where house_a is: its 十联户
    assert Residency.objects.get(person=zhao).start == dt.date(2020, 1, 1)  # Excel serial 43831
    sun = by_id(lower_x.upper())
    assert sun.phone_masked.startswith("0851-")
    household = Household.objects.get(householder=zhao)
    assert set(household.members.values_list("name", "relation")) == {
        ("赵六", "self"),
        ("钱七", "spouse"),
        ("孙八", "other"),
    }
    assert household.house_id == world.house_a.pk


def test_id_stored_as_a_number_is_refused_with_the_lost_digits_named(world):
    # Excel can only turn an all-digit ID into a number: skip the ones whose check digit is X.
    number = next(n for n in iter(lambda: ids(1)[0], None) if n[-1] != "X")
    rows = [["姓名", "身份证号", "房号", "楼栋", "单元"], ["周九", float(number), "501", "3", "2"]]
    batch = run(world.users["grid1"], xlsx(rows))
    [message] = problems(batch)
    assert message.startswith("第 2 行 · 身份证号：")
    assert "15 位有效数字" in message and "文本" in message
    assert number not in str(batch.report)  # the report never stores a full ID number


def test_scientific_notation_in_csv_and_gbk_encoding_are_understood(world):
    good = ids(1)[0]
    text = f"姓名,身份证号码,楼栋,单元,房号\n吴十,5.20402E+17,3,2,501\n郑一,{good},3,2,501\n"
    batch = run(world.users["grid1"], text.encode("gb18030"), name="台账.csv")
    [message] = problems(batch)
    assert message.startswith("第 2 行 · 身份证号码：") and "科学计数法" in message
    assert batch.created == 1


def test_a_bad_row_means_nothing_is_saved(world):
    good = ids(3)
    bad = good[0][:17] + ("0" if good[0][17] != "0" else "1")
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"]] + [[f"人{i}", n, "3", "2", "501"] for i, n in enumerate(good)]
    rows.append(["错号", bad, "3", "2", "501"])
    before = Person.objects.count()
    batch = run(world.users["grid1"], xlsx(rows))
    assert problems(batch) == [f"第 5 行 · 身份证号：校验位错误（应为 {good[0][17]}），请核对号码"]
    with pytest.raises(Exception, match="有问题的文件不会导入任何数据"):
        services.import_commit(batch=batch, actor=world.users["grid1"])
    assert Person.objects.count() == before


def test_commit_rechecks_and_writes_nothing_when_the_registers_changed_meanwhile(world):
    number = ids(1)[0]
    rows = [
        ["姓名", "身份证号", "楼栋", "单元", "房号"],
        ["陈二", number, "3", "2", "501"],
        ["林三", ids(1)[0], "3", "2", "501"],
    ]
    batch = run(world.users["grid1"], xlsx(rows))
    assert batch.error_count == 0
    # Someone registers 陈二 in grid B between the dry run and the commit: the commit must refuse both rows' writes.
    from linli.people.services import clean_person_data, person_create

    person_create(actor=None, data=clean_person_data(name="陈二", id_number=number), house=world.house_b)
    count = Person.objects.count()
    services.import_commit(batch=batch, actor=world.users["grid1"])
    batch.refresh_from_db()
    assert batch.status == S.FAILED
    assert any("管辖范围之外" in e["message"] for e in batch.report["errors"])
    assert Person.objects.count() == count


def test_importing_the_same_file_again_changes_nothing(world):
    rows = [["姓名", "身份证号", "手机号", "楼栋", "单元", "房号", "与户主关系", "标签"]]
    tag = Tag.objects.add_root(create_kwargs=dict(name="独居老人", code="alone", sensitivity=1))
    numbers = ids(3)
    rows += [
        ["甲", numbers[0], "13800000001", "3", "2", "501", "户主", "独居老人"],
        ["乙", numbers[1], "", "3", "2", "501", "子女", ""],
    ]
    rows += [["丙", numbers[2], "", "3", "2", "501", "", ""]]
    data = xlsx(rows)
    first = run(world.users["grid1"], data, commit=True)
    assert (first.created, first.status) == (3, S.COMMITTED)
    changes = ObjectChange.objects.count()
    persons, residencies, households = Person.objects.count(), Residency.objects.count(), Household.objects.count()
    second = run(world.users["grid1"], data, commit=True)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert second.report["same_file_batch"] == first.pk
    assert (Person.objects.count(), Residency.objects.count(), Household.objects.count()) == (
        persons,
        residencies,
        households,
    )
    assert ObjectChange.objects.count() == changes
    assert TagAssignment.objects.filter(tag=tag).count() == 1


def test_a_changed_phone_is_an_update_and_empty_cells_keep_what_is_stored(world):
    number = ids(1)[0]
    run(
        world.users["grid1"],
        xlsx(
            [
                ["姓名", "身份证号", "手机号", "工作单位", "楼栋", "单元", "房号"],
                ["刘四", number, "13800000002", "邮局", "3", "2", "501"],
            ]
        ),
        commit=True,
    )
    batch = run(
        world.users["grid1"],
        xlsx([["姓名", "身份证号", "手机号", "工作单位"], ["刘四", number, "13900000003", ""]]),
        commit=True,
    )
    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 0)
    assert batch.report["changes"] == [{"row": 2, "name": "刘四", "fields": ["联系电话"]}]
    person = by_id(number)
    assert person.phone_masked == "139****0003" and person.workplace == "邮局" and person.version == 2


def test_duplicates_inside_the_file(world):
    a, b = ids(2)
    rows = [
        ["姓名", "身份证号", "小区", "楼栋", "单元", "房号"],
        ["何五", a, "彩虹花园", "3", "2", "501"],
        ["何五", a, "彩虹花园", "3", "2", "501"],  # the same line twice: ignored with a note
        ["何六", b, "彩虹花园", "3", "2", "501"],
        ["何七", b, "", "5", "1", "101"],  # same ID, another name: a problem
    ]
    batch = run(world.users["staff"], xlsx(rows))
    assert problems(batch) == ["第 5 行 · 身份证号：与第 4 行是同一证件号码，但姓名不一致"]
    assert batch.report["warnings"][0]["row"] == 3
    rows[4][0] = "何六"  # now the same person at a second house
    batch = run(world.users["staff"], xlsx(rows), commit=True)
    assert batch.status == S.COMMITTED
    assert set(Residency.objects.filter(person=by_id(b)).values_list("house_id", flat=True)) == {
        world.house_a.pk,
        world.house_b.pk,
    }


def test_sex_that_contradicts_the_id_number_is_a_problem(world):
    man = ids(1)[0]
    batch = run(
        world.users["grid1"],
        xlsx([["姓名", "性别", "身份证号", "楼栋", "单元", "房号"], ["杨八", "女", man, "3", "2", "501"]]),
    )
    assert problems(batch) == ["第 2 行 · 性别：填写为“女”，但身份证号显示为男，请核对"]


def test_missing_houses_are_created_only_when_ticked(world):
    rows = [["姓名", "身份证号", "住址"], ["许九", ids(1)[0], "彩虹花园3栋2单元902室"]]
    batch = run(world.users["grid1"], xlsx(rows))
    assert problems(batch) == ["第 2 行 · 住址：未找到房屋“彩虹花园3栋2单元902室”（勾选“自动新建缺失房屋”可一并新建）"]
    batch = run(world.users["grid1"], xlsx(rows), create_houses=True, commit=True)
    assert batch.status == S.COMMITTED and batch.report["details"]["houses_created"] == 1
    house = Residency.objects.get(person__name="许九").house
    assert (house.building_id, house.unit.number, house.number, house.floor) == (
        world.house_a.building_id,
        "2",
        "902",
        9,
    )


def test_members_on_the_lines_below_the_householder_join_that_household(world):
    head, son, other_head = ids(3)
    rows = [
        ["姓名", "身份证号", "与户主关系", "户主身份证号", "户号", "楼栋", "单元", "房号"],
        ["冯一", head, "户主", "", "", "5", "1", "101"],
        ["冯二", son, "长子", "", "", "5", "1", "101"],
        ["褚三", other_head, "户主", "", "H-007", "3", "2", "501"],
    ]
    batch = run(world.users["staff"], xlsx(rows), commit=True)
    assert batch.status == S.COMMITTED, problems(batch)
    feng = Household.objects.get(householder=by_id(head))
    assert list(feng.members.order_by("pk").values_list("name", "relation")) == [("冯一", "self"), ("冯二", "child")]
    assert Household.objects.get(number="H-007").householder == by_id(other_head)
    # A later file adds a member by the householder's ID alone.
    later = ids(1, male=False)[0]
    rows = [["姓名", "身份证号", "与户主关系", "户主身份证号"], ["冯三", later, "女儿", head]]
    batch = run(world.users["staff"], xlsx(rows), commit=True)
    assert batch.status == S.COMMITTED, problems(batch)
    assert by_id(later).household_id == feng.pk


def test_tags_by_name_respect_sensitivity_and_consent(world):
    Tag.objects.add_root(create_kwargs=dict(name="低保户", code="dibao", sensitivity=1))
    Tag.objects.add_root(create_kwargs=dict(name="社区矫正", code="jiaozheng", sensitivity=3))
    Tag.objects.add_root(create_kwargs=dict(name="慢性病", code="chronic", sensitivity=2, requires_consent=True))
    rows = [
        ["姓名", "身份证号", "楼栋", "单元", "房号", "标签"],
        ["卫一", ids(1)[0], "3", "2", "501", "低保户，不存在的标签"],
        ["卫二", ids(1)[0], "3", "2", "501", "社区矫正"],
        ["卫三", ids(1)[0], "3", "2", "501", "慢性病"],
    ]
    batch = run(world.users["grid1"], xlsx(rows))  # a grid worker sees up to level 2
    assert problems(batch) == [
        "第 2 行 · 标签：没有名为“不存在的标签”的标签",
        "第 3 行 · 标签：您无权设置“社区矫正”",
        "第 4 行 · 标签：“慢性病”需要本人（未满十四周岁由监护人）单独同意，新登记人员请先登记后补录同意书再设置",
    ]


def test_a_tag_that_needs_consent_on_a_registered_person_asks_for_the_right_persons_consent(world):
    """The plan reads the stored person's ID again for this (it keeps no ciphertext per row): a child's tag needs
    the guardian's consent, an adult's their own."""
    import datetime as dt

    Tag.objects.add_root(create_kwargs=dict(name="慢性病", code="chronic", sensitivity=2, requires_consent=True))
    child, adult = ids(1, birth=dt.date.today().replace(year=dt.date.today().year - 8, day=1))[0], ids(1)[0]
    head = ["姓名", "身份证号", "楼栋", "单元", "房号", "标签"]
    first = run(world.users["staff"], xlsx([head, ["童一", child, "3", "2", "501", ""], ["成一", adult, "3", "2", "501", ""]]),
                commit=True)  # fmt: skip
    assert first.created == 2
    again = run(
        world.users["staff"],
        xlsx([head, ["童一", child, "3", "2", "501", "慢性病"], ["成一", adult, "3", "2", "501", "慢性病"]]),
    )
    assert problems(again) == [
        "第 2 行 · 标签：设置“慢性病”需要监护人的单独同意，请先在“同意记录”中登记（含凭证）",
        "第 3 行 · 标签：设置“慢性病”需要本人的单独同意，请先在“同意记录”中登记（含凭证）",
    ]


def test_grid_worker_cannot_import_people_into_another_grid(world):
    rows = [
        ["姓名", "身份证号", "楼栋", "单元", "房号"],
        ["蒋一", ids(1)[0], "5", "1", "101"],  # house_b is in grid B
        ["李四", ids(1)[0], "3", "2", "501"],
    ]
    batch = run(world.users["grid1"], xlsx(rows))
    assert problems(batch) == [
        "第 2 行 · 楼栋：未找到楼栋“5栋”（或不在您的管辖范围内）；如需新建楼栋，请勾选“自动新建缺失房屋”并填写“网格”列"
    ]
    # person_b lives in grid B: grid1 may not move them or change them.
    from linli.core import crypto

    number_b = crypto.decrypt(world.person_b.id_number_enc)
    rows = [["姓名", "身份证号", "手机号"], ["李四", number_b, "13611112222"]]
    batch = run(world.users["grid1"], xlsx(rows))
    assert problems(batch) == ["第 2 行 · 身份证号：该人员已登记在您的管辖范围之外，需由原网格或上级办理迁入或修改"]
    batch = run(world.users["grid2"], xlsx(rows), commit=True)
    assert batch.status == S.COMMITTED and batch.updated == 1


def test_a_user_without_import_rights_cannot_upload(world):
    from linli.core.errors import DomainError

    for name in ("leader", "auditor", "resident", "property"):
        with pytest.raises(DomainError):
            services.import_upload(actor=world.users[name], kind="persons", file_name="a.xlsx", data=b"x")


def test_the_ledger_records_who_what_and_the_file_hash(world):
    import hashlib

    data = xlsx([["姓名", "身份证号", "楼栋", "单元", "房号"], ["沈一", ids(1)[0], "3", "2", "501"]])
    batch = run(world.users["grid1"], data, commit=True)
    assert batch.file_sha256 == hashlib.sha256(data).hexdigest()
    assert batch.actor == world.users["grid1"] and batch.region == world.grid_a
    assert list(batch.transitions.values_list("to_status", flat=True)) == [
        "pending",
        "validating",
        "validated",
        "committing",
        "committed",
    ]
    logs = AuditLog.objects.filter(action=AuditLog.Action.IMPORT, target_id=str(batch.pk))
    assert set(logs.values_list("field", flat=True)) == {"上传", "导入"}
    assert batch.stored_file == ""  # the sealed upload is gone once committed
    change = ObjectChange.objects.get(target_id=str(by_id_name("沈一").pk), target_type__model="person")
    assert change.request_id == f"import-{batch.pk}" and change.actor == world.users["grid1"]


def by_id_name(name):
    return Person.objects.get(name=name)


def test_uploaded_files_rest_encrypted(world):
    number = ids(1)[0]
    batch = services.import_upload(
        actor=world.users["grid1"], kind="persons", file_name="a.csv", data=f"姓名,身份证号\n甲,{number}\n".encode()
    )
    with attachments.open(batch.stored_file) as fh:
        raw = fh.read()
    assert number.encode() not in raw and raw.startswith(b"LSF1")


def test_large_files_run_as_a_job_with_progress(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "JOB_THRESHOLD_ROWS", 3)
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"]] + [
        [f"批{i}", n, "3", "2", "501"] for i, n in enumerate(ids(6))
    ]
    batch = services.import_upload(actor=world.users["grid1"], kind="persons", file_name="大.xlsx", data=xlsx(rows))
    assert batch.is_job
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(batch=batch, actor=world.users["grid1"], commit=False)  # huey runs at once in tests
    batch.refresh_from_db()
    assert batch.status == S.VALIDATED and batch.created == 6


def test_rollback_undoes_a_batch_unless_its_rows_were_touched_later(world):
    from linli.core.errors import DomainError
    from linli.people.services import clean_person_data, person_update

    number = ids(1)[0]
    run(
        world.users["grid1"],
        xlsx(
            [["姓名", "身份证号", "手机号", "楼栋", "单元", "房号"], ["韩一", number, "13800000011", "3", "2", "501"]]
        ),
        commit=True,
    )
    batch = run(
        world.users["grid1"],
        xlsx(
            [
                ["姓名", "身份证号", "手机号", "楼栋", "单元", "房号"],
                ["韩一", number, "13800000012", "3", "2", "501"],
                ["韩二", ids(1)[0], "", "3", "2", "501"],
            ]
        ),
        commit=True,
    )
    assert (batch.created, batch.updated) == (1, 1)
    services.import_rollback(batch=batch, actor=world.users["grid1"])
    assert not Person.objects.filter(name="韩二").exists()
    assert by_id(number).phone_masked == "138****0011"
    batch.refresh_from_db()
    assert batch.status == S.ROLLED_BACK
    # A batch whose person was edited afterwards cannot be undone.
    third = run(
        world.users["grid1"],
        xlsx([["姓名", "身份证号", "楼栋", "单元", "房号"], ["韩三", ids(1)[0], "3", "2", "501"]]),
        commit=True,
    )
    han3 = Person.objects.get(name="韩三")
    person_update(
        actor=None, person=han3, version=han3.version, data=clean_person_data(name="韩叁", id_number=_clear(han3))
    )
    with pytest.raises(DomainError, match="韩叁"):
        services.import_rollback(batch=third, actor=world.users["grid1"])
    assert Person.objects.filter(pk=han3.pk).exists()


def _clear(person):
    from linli.core import crypto

    return crypto.decrypt(person.id_number_enc)


def test_grid2_cannot_see_or_roll_back_a_batch_of_grid1(world, login):
    batch = run(
        world.users["grid1"],
        xlsx([["姓名", "身份证号", "楼栋", "单元", "房号"], ["一一", ids(1)[0], "3", "2", "501"]]),
        commit=True,
    )
    client = login(world.users["grid2"])
    assert client.get(f"/console/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/console/imports/{batch.pk}/rollback/").status_code == 404
    client = login(world.users["staff"])  # community staff see their grid workers' batches
    assert client.get(f"/console/imports/{batch.pk}/").status_code == 200


def test_a_dry_run_that_finds_numbers_of_other_grids_records_each_as_an_exact_lookup(world):
    """The dry run says which numbers in a file are registered outside one's scope: a lookup, so it is audited."""
    from linli.core import crypto

    number = crypto.decrypt(world.person_b.id_number_enc)  # registered in grid B
    rows = [
        ["姓名", "身份证号", "楼栋", "单元", "房号"],
        ["猜测", number, "3", "2", "501"],
        ["林三", ids(1)[0], "3", "2", "501"],
    ]
    batch = run(world.users["grid1"], xlsx(rows))
    assert problems(batch) == ["第 2 行 · 身份证号：该人员已登记在您的管辖范围之外，需由原网格或上级办理迁入或修改"]
    row = AuditLog.objects.get(action=AuditLog.Action.SEARCH, actor=world.users["grid1"])
    assert row.extra["hash"] == world.person_b.id_number_hash and row.extra["via"] == "import"
    assert row.target_id == str(world.person_b.pk)
    # A number inside one's own scope is no lookup: nothing more is recorded.
    run(world.users["grid1"], xlsx([rows[0], ["张三", crypto.decrypt(world.person_a.id_number_enc), "3", "2", "501"]]))
    assert AuditLog.objects.filter(action=AuditLog.Action.SEARCH).count() == 1


def _candidates_for(number: str, how_many: int) -> list[str]:
    """Valid IDs that share ``number``'s first two and last two characters, as someone guessing from a mask would."""
    out, day = [], dt.date(1980, 1, 1)
    while len(out) < how_many:
        for seq in range(100):
            body = f"{number[:2]}0402{day:%Y%m%d}{seq:02d}{number[16]}"
            if id_check_digit(body) == number[17] and body + number[17] != number:
                out.append(body + number[17])
        day += dt.timedelta(days=1)
    return out[:how_many]


def test_a_file_of_candidates_for_one_masked_number_is_refused_and_recorded(world):
    """Every candidate for a masked ID shares its first two and last two characters; real ledgers do not."""
    from linli.core import crypto

    number = crypto.decrypt(world.person_b.id_number_enc)  # registered in grid B, out of grid1's scope
    guesses = _candidates_for(number, 40) + [number]
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"]] + [
        [f"试{i}", n, "3", "2", "501"] for i, n in enumerate(guesses)
    ]
    batch = run(world.users["grid1"], xlsx(rows))
    assert batch.status == ImportBatch.Status.FAILED
    [message] = [e["message"] for e in batch.report["errors"]]
    assert "前两位和末两位完全相同" in message and "已记入访问记录" in message
    assert number not in str(batch.report)
    recorded = AuditLog.objects.get(action=AuditLog.Action.SEARCH, actor=world.users["grid1"], result="denied")
    assert recorded.extra["via"] == "import" and recorded.extra["rows"] == 41
    # Nothing told which guess is registered: no lookup of a person was recorded.
    assert not AuditLog.objects.filter(action=AuditLog.Action.SEARCH, target_id=str(world.person_b.pk)).exists()


def test_a_real_ledger_whose_ids_end_alike_by_chance_still_imports(world):
    """A few people sharing both ends happens in real ledgers (1 in ~110): far below the refusal line."""
    number = ids(1)[0]
    alike = _candidates_for(number, 5)
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"]] + [[f"居民{i}", n, "3", "2", "501"] for i, n in
                                                        enumerate(alike + ids(30))]  # fmt: skip
    batch = run(world.users["grid1"], xlsx(rows))
    assert batch.status == ImportBatch.Status.VALIDATED, batch.message
