"""The houses import's 产权人 column: owners by name (a resident of the house) or ID number, co-owners with shares,
the developer's unsold units; a bad row saves nothing and says which row and why; a rollback restores the register."""

import pytest

from linli.core.errors import DomainError
from linli.dataio import services
from linli.dataio.tests.helpers import xlsx
from linli.people.models import Ownership

pytestmark = pytest.mark.django_db
HEADER = ["小区", "楼栋", "单元", "房号", "建筑面积", "产权人"]


def run(user, rows, *, commit=False):
    batch = services.import_upload(actor=user, kind="houses", file_name="房屋.xlsx", data=xlsx([HEADER, *rows]))
    services.import_validate(batch=batch, actor=user)
    if commit:
        services.import_commit(batch=batch, actor=user)
    batch.refresh_from_db()
    return batch


def problems(batch) -> list[str]:
    return [f"第 {e['row']} 行 · {e['column']}：{e['message']}" for e in batch.report["errors"]]


def _developer(world):
    from linli.people.factories import EntityFactory

    return EntityFactory(name="彩虹置业有限公司", kind="legal", grid=world.grid_a)


def test_owners_by_name_id_number_shares_and_the_developer(world):
    from linli.people.factories import PersonFactory

    _developer(world)
    PersonFactory(house=world.house_a, name="张三妻")
    buyer = PersonFactory(name="刘八")
    batch = run(world.users["staff"], [
        ["彩虹花园", "3", "2", "501", "89.5", "张三(60%)、张三妻（40%）"],
        ["彩虹花园", "3", "2", "502", "90", f"{_id(buyer)}"],
        ["彩虹花园", "3", "2", "503", "90", f"{_id(buyer)}"],
        ["彩虹花园", "3", "2", "601", "120", "开发商：彩虹置业有限公司"],
    ], commit=True)  # fmt: skip
    assert problems(batch) == [] and batch.status == "committed"
    rows = {(o.house.number, o.holder_name, str(o.share), o.developer) for o in Ownership.objects.select_related(
        "house", "person", "entity")}  # fmt: skip
    assert rows == {
        ("501", "张三", "60.00", False), ("501", "张三妻", "40.00", False), ("502", "刘八", "100.00", False),
        ("503", "刘八", "100.00", False), ("601", "彩虹置业有限公司", "100.00", True),
    }  # fmt: skip
    # The rollback deletes the owners it registered (and the houses it created).
    services.import_rollback(batch=batch, actor=world.users["staff"])
    assert Ownership.objects.count() == 0


def _id(person) -> str:
    from linli.core import crypto

    return crypto.decrypt(person.id_number_enc)


def test_a_bad_owner_cell_names_row_and_column_and_nothing_is_saved(world):
    _developer(world)
    batch = run(world.users["staff"], [
        ["彩虹花园", "3", "2", "501", "89.5", "张三"],
        ["彩虹花园", "3", "2", "501", "89.5", "王小二"],
        ["彩虹花园", "3", "2", "502", "90", "开发商"],
        ["彩虹花园", "3", "2", "503", "90", "张三(70%)、李四(50%)"],
        ["彩虹花园", "3", "2", "504", "90", "开发商：不存在公司"],
    ])  # fmt: skip
    found = problems(batch)
    assert any("第 4 行 · 产权人" in p and "单位名称" in p for p in found)
    assert any("第 6 行 · 产权人" in p and "不存在公司" in p for p in found)
    assert any("第 5 行 · 产权人" in p for p in found)
    with pytest.raises(DomainError, match="还有问题未解决"):
        services.import_commit(batch=batch, actor=world.users["staff"])
    assert Ownership.objects.count() == 0


def test_a_name_that_does_not_live_there_is_refused(world):
    batch = run(world.users["staff"], [["彩虹花园", "3", "2", "501", "89.5", "李四"]])
    assert problems(batch) == ["第 2 行 · 产权人：“李四”不是该房屋的登记住户，请改填身份证号"]
    assert Ownership.objects.count() == 0
