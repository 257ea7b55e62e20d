"""The console and resident pages of 业主表决 as staff and owners use them."""

from django.urls import reverse

from linli.participation.votes.models import OwnerVote, Turnout


def _open(login, world, estate):
    c = login(world.users["staff"])
    r = c.post(reverse("participation:ownervote_add"), {
        "compound": estate["compound"].pk, "title": "增设充电桩", "secret": "on",
        "item_title_1": "利用共有车位增设电动汽车充电桩", "item_matter_1": "8", "item_matter_2": "9", "item_matter_3": "9",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:2000]
    return c, OwnerVote.objects.get()


def test_staff_open_enter_paper_and_assisted_ballots_and_close(login, world, estate):
    c, vote = _open(login, world, estate)
    page = c.get(vote.get_absolute_url()).content.decode()
    assert "增设充电桩" in page and "0.00%" in page and "须四分之三以上同意" in page
    form = c.get(reverse("participation:ownervote_ballot", args=[vote.pk])).content.decode()
    assert "彩虹花园8栋1单元101室" in form and "本人（录入人）" in form
    r = c.post(reverse("participation:ownervote_ballot", args=[vote.pk]),
               {"house": estate["h1"].pk, "channel": "paper", "item_0": "yes"}, follow=True)  # fmt: skip
    assert "已录入，回执码" in r.content.decode()
    # The unit that voted is no longer offered; entering it again by hand is refused.
    r = c.post(reverse("participation:ownervote_ballot", args=[vote.pk]),
               {"house": estate["h1"].pk, "channel": "paper", "item_0": "no"})  # fmt: skip
    assert "选择一个有效的选项" in r.content.decode() or "已经投过票" in r.content.decode()
    assert Turnout.objects.filter(vote=vote).count() == 1
    page = c.get(vote.get_absolute_url() + "?tab=electorate").content.decode()
    assert "开发建设单位" in page and "赵*" in page
    c.post(reverse("participation:ownervote_close", args=[vote.pk]))
    page = c.get(vote.get_absolute_url()).content.decode()
    assert "未达到“双三分之二”参与要求" in page and "未通过" in page


def test_an_owner_votes_in_the_app_and_checks_the_receipt(login, world, estate):
    _, vote = _open(login, world, estate)
    c = login(world.users["resident"])
    assert "增设充电桩" in c.get(reverse("participation:ownervote_mine")).content.decode()
    page = c.get(reverse("participation:ownervote_resident", args=[vote.pk])).content.decode()
    assert "彩虹花园3栋2单元501室" in page and "8栋" not in page  # only the resident's own unit
    r = c.post(reverse("participation:ownervote_resident", args=[vote.pk]), {"house": world.house_a.pk})
    assert "请对事项1作出选择" in r.content.decode()
    r = c.post(reverse("participation:ownervote_resident", args=[vote.pk]),
               {"house": world.house_a.pk, "item_0": "no"})  # fmt: skip
    body = r.content.decode()
    assert "投票成功" in body and "该房屋已投票" in body
    code = body.split('data-testid="receipt-code">')[1].split("<")[0]
    check = c.get(reverse("participation:ownervote_receipt", args=[vote.pk]), {"code": code}).content.decode()
    assert "已计入" in check and "反对" in check
    wrong = c.get(reverse("participation:ownervote_receipt", args=[vote.pk]), {"code": "2222-3333-4444"})
    assert "没有找到回执码" in wrong.content.decode()
    # Someone else's unit cannot be voted for by posting its id.
    r = c.post(reverse("participation:ownervote_resident", args=[vote.pk]), {"house": estate["h3"].pk, "item_0": "yes"})
    assert "不是该房屋在公告日登记的产权人" in r.content.decode()


def test_an_owner_of_another_compound_does_not_see_the_vote(login, world, estate):
    _, vote = _open(login, world, estate)
    from linli.core.models import User
    from linli.people.models import Person

    u = User.objects.create_user(username="wangwu", password="x-Passw0rd!")
    Person.objects.filter(pk=world.person_c.pk).update(user=u)
    c = login(u)
    assert c.get(reverse("participation:ownervote_resident", args=[vote.pk])).status_code == 404
    assert "暂无需要您参加的业主表决" in c.get(reverse("participation:ownervote_mine")).content.decode()


def test_the_house_page_shows_its_owners(login, world, estate):
    c = login(world.users["staff"])
    page = c.get(estate["h1"].get_absolute_url() + "?tab=owners").content.decode()
    assert "产权人" in page and "赵六" in page and "100.00%" in page
    page = c.get(estate["h4"].get_absolute_url() + "?tab=owners").content.decode()
    assert "开发建设单位（未售出）" in page


def test_the_owner_finds_their_houses_in_their_data_copy(world, estate):
    from linli.core.modules import personal_data_sections

    section = next(s for s in personal_data_sections() if s.key == "ownership")
    rows = section.collect(estate["buyer"])
    assert [r["房屋"] for r in rows] == ["彩虹花园8栋1单元101室", "彩虹花园8栋1单元102室"]
    assert all(r["产权份额"] == "100.00%" for r in rows)
