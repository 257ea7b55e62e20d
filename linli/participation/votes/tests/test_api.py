"""The API contract of issue 11 (owner-votes), end to end with real rows: a buyer of two units counts once, the
developer's unsold units count as one, fractions come back in lowest terms."""

from django.urls import reverse

from linli.core.models import Notification
from linli.participation.notices.models import Notice
from linli.participation.votes import services
from linli.participation.votes.models import Ballot, OwnerVote, Turnout

URL = "/api/v1/owner-votes/"
ITEMS = [{"title": "续聘彩虹物业", "matter": 4}, {"title": "改建小区停车场", "matter": 7}]


def _open(api, world, estate):
    r = api(world.users["staff"]).post(URL, {"compound": estate["compound"].pk, "title": "2027年度业主表决",
                                             "items": ITEMS}, format="json")  # fmt: skip
    assert r.status_code == 201, r.content
    return r.json()


def _ballot(client, vote_id, house, choices, channel="paper"):
    body = {"house": house.pk, "channel": channel, "choices": [{"item": i, "choice": c} for i, c in enumerate(choices)]}
    return client.post(f"{URL}{vote_id}/ballots/", body, format="json")


def test_the_electorate_is_frozen_with_multi_unit_buyers_and_the_developer_counted_once(api, world, estate):
    body = _open(api, world, estate)
    assert body["electorate"] == {"units": 6, "area": "460.00", "owners": 4}
    rows = api(world.users["staff"]).get(f"{URL}{body['id']}/electorate/").json()
    keys = {r["house"]: r["owner_key"] for r in rows}
    assert keys[estate["h1"].pk] == keys[estate["h2"].pk]
    assert keys[estate["h4"].pk] == keys[estate["h5"].pk]
    assert len(set(keys.values())) == 4
    assert {r["area"] for r in rows} == {"89.50", "100.00", "50.50", "60.00"}
    # A sale after the notice date does not change this vote's electorate.
    from linli.people.factories import OwnershipFactory, PersonFactory

    OwnershipFactory(house=estate["h4"], person=PersonFactory(house=estate["h4"]))
    again = api(world.users["staff"]).get(f"{URL}{body['id']}/electorate/").json()
    assert {r["house"]: r["owner_key"] for r in again} == keys


def test_ballots_close_and_result_in_lowest_terms(api, world, estate, login, django_capture_on_commit_callbacks):
    vote_id = _open(api, world, estate)["id"]
    staff = api(world.users["staff"])
    assert _ballot(staff, vote_id, estate["h1"], ["yes", "yes"]).status_code == 201
    assert _ballot(staff, vote_id, estate["h2"], ["yes", "yes"]).status_code == 201
    r = _ballot(staff, vote_id, estate["h3"], ["no", "yes"], channel="assisted")
    assert r.status_code == 201
    assert Turnout.objects.get(house=estate["h3"]).assisted_by == world.users["staff"]
    resident = api(world.users["resident"])
    r = _ballot(resident, vote_id, world.house_a, ["yes", "abstain"], channel="app")
    assert r.status_code == 201
    receipt = r.json()["receipt"]

    # One ballot per unit, whatever the channel.
    second = _ballot(staff, vote_id, estate["h1"], ["no", "no"])
    assert second.status_code == 409 and "已经投过票" in second.json()["detail"]
    assert Turnout.objects.filter(vote_id=vote_id).count() == Ballot.objects.filter(vote_id=vote_id).count() == 4

    # No result while the vote is open.
    assert staff.get(f"{URL}{vote_id}/result/").status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"{URL}{vote_id}/close/").status_code == 200
    assert _ballot(staff, vote_id, estate["h4"], ["yes", "yes"]).status_code == 409

    result = staff.get(f"{URL}{vote_id}/result/").json()
    # 340 of 460 ㎡; 3 of 4 owners (the buyer's two units count once).
    assert result["quorum_met"] is True
    assert result["turnout"] == {"area": "17/23", "owners": "3/4"}
    first, second_item = result["items"]
    assert first | {} == first and first["item"] == 0 and first["matter"] == 4
    assert (first["yes_area"], first["yes_owners"], first["passed"]) == ("579/680", "2/3", True)
    # Matter 7 needs 3/4 of each: 250.5/340 of the area and 2/3 of the owners is not enough.
    assert (second_item["yes_area"], second_item["yes_owners"], second_item["passed"]) == ("501/680", "2/3", False)

    # The voter's receipt finds their ballot; the results notice reached the resident.
    vote = OwnerVote.objects.get(pk=vote_id)
    assert services.receipt_check(vote=vote, code=receipt.lower()).choices == ["yes", "abstain"]
    assert services.receipt_check(vote=vote, code="AAAA-BBBB-CCCC") is None
    note = Notification.objects.get(recipient=world.users["resident"], kind="ownervote_result")
    assert "达到" in note.body and "未通过" in note.body
    # …and is posted publicly as a notice (公告) to the compound, pointing back at the vote.
    posted = Notice.objects.get(source_id=str(vote_id), title__startswith="表决结果公告")
    assert posted.audience == {"compounds": [vote.compound_id]} and "未通过" in posted.body
    page = login(world.users["resident"]).get(reverse("participation:ownervote_receipt", args=[vote_id]),
                                              {"code": receipt})  # fmt: skip
    assert "已计入" in page.content.decode()


def test_who_may_do_what(api, world, estate):
    vote_id = _open(api, world, estate)["id"]
    # A resident may vote only for a unit they owned on the notice date, and only in the app channel.
    resident = api(world.users["resident"])
    r = _ballot(resident, vote_id, estate["h1"], ["yes", "yes"], channel="app")
    assert r.status_code == 403 and "产权人" in r.json()["detail"]
    assert _ballot(resident, vote_id, world.house_a, ["yes", "yes"], channel="paper").status_code == 403
    assert resident.post(f"{URL}{vote_id}/close/").status_code == 403
    r = resident.post(URL, {"compound": estate["compound"].pk, "title": "x", "items": ITEMS}, format="json")
    assert r.status_code == 403
    # Staff of another community do not see the vote, nor may they open one here.
    from linli.core.factories import UserFactory
    from linli.core.roles import Role

    stranger = api(UserFactory(grants=[(Role.COMMUNITY_STAFF, world.other_community)]))
    assert stranger.get(f"{URL}{vote_id}/").status_code == 404
    assert stranger.post(f"{URL}{vote_id}/close/").status_code == 404
    assert _ballot(stranger, vote_id, estate["h1"], ["yes", "yes"]).status_code == 404
    r = stranger.post(URL, {"compound": estate["compound"].pk, "title": "x", "items": ITEMS}, format="json")
    assert r.status_code in (400, 403)
    assert OwnerVote.objects.count() == 1


def test_bad_input_gets_chinese_messages_and_saves_nothing(api, world, estate):
    staff = api(world.users["staff"])
    r = staff.post(URL, {"compound": estate["compound"].pk, "title": "表决", "items": [{"title": "x", "matter": 10}]},
                   format="json")  # fmt: skip
    assert r.status_code == 400
    r = staff.post(URL, {"compound": estate["compound"].pk, "title": "表决", "items": []}, format="json")
    assert r.status_code == 400 and "至少填写一项" in r.json()["detail"]
    assert OwnerVote.objects.count() == 0
    vote_id = _open(api, world, estate)["id"]
    r = staff.post(f"{URL}{vote_id}/ballots/", {"house": estate["h1"].pk, "channel": "paper",
                   "choices": [{"item": 0, "choice": "yes"}]}, format="json")  # fmt: skip
    assert r.status_code == 400 and "事项 1 未作出选择" in r.json()["detail"]
    r = _ballot(staff, vote_id, estate["h1"], ["yes", "maybe"])
    assert r.status_code == 400 and "无效" in r.json()["detail"]
    r = _ballot(staff, vote_id, estate["h1"], ["yes", "yes"], channel="fax")
    assert r.status_code == 400 and "投票方式" in r.json()["detail"]
    r = _ballot(staff, vote_id, world.house_b, ["yes", "yes"])
    assert r.status_code == 400 and "不在本次表决" in r.json()["detail"]
    assert Turnout.objects.count() == Ballot.objects.count() == 0


def test_a_compound_with_a_house_without_area_is_refused(api, world, estate):
    from linli.housing.models import House

    House.objects.filter(pk=estate["h3"].pk).update(area=None)
    r = api(world.users["staff"]).post(URL, {"compound": estate["compound"].pk, "title": "表决", "items": ITEMS},
                                       format="json")  # fmt: skip
    assert r.status_code == 400 and "未登记建筑面积" in r.json()["detail"] and "201室" in r.json()["detail"]


def test_secrecy_who_voted_is_kept_apart_from_the_choices(api, world, estate):
    vote_id = _open(api, world, estate)["id"]
    _ballot(api(world.users["staff"]), vote_id, estate["h1"], ["yes", "no"])
    ballot = Ballot.objects.get(vote_id=vote_id)
    assert ballot.house_id is None
    assert not any(f.name in ("created_at", "voted_at", "house_id") and getattr(ballot, f.name, None)
                   for f in Ballot._meta.fields)  # fmt: skip
    assert Turnout.objects.get(vote_id=vote_id).house == estate["h1"]


def test_reminders_reach_owners_who_have_not_voted_and_an_extension_tells_them(
    api, world, estate, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from linli.core.models import User
    from linli.people.models import Person

    buyer_user = User.objects.create_user(username="buyer", password="x-Passw0rd!")
    Person.objects.filter(pk=estate["buyer"].pk).update(user=buyer_user)
    vote = OwnerVote.objects.get(pk=_open(api, world, estate)["id"])
    _ballot(api(world.users["resident"]), vote.pk, world.house_a, ["yes", "yes"], channel="app")
    # The buyer has an account (inbox); 钱七 has none but a phone number (SMS); the resident has voted.
    assert services.vote_remind(actor=world.users["staff"], vote=vote) == 2
    assert Notification.objects.filter(kind="ownervote_reminder", recipient=buyer_user).exists()
    from linli.core.models import OutboundMessage

    sms = OutboundMessage.objects.get(channel="sms")
    assert sms.template == "ownervote_reminder" and sms.params["title"] == "2027年度业主表决"
    assert sms.to_masked.count("*") >= 4  # the number is masked in the record
    assert not Notification.objects.filter(kind="ownervote_reminder", recipient=world.users["resident"]).exists()
    deadline = timezone.now() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_extend(actor=world.users["staff"], vote=vote, deadline=deadline, reason="参与人数不足")
    note = Notification.objects.get(kind="ownervote_extended", recipient=buyer_user)
    assert "延长至" in note.body and "参与人数不足" in note.body
    assert Notice.objects.filter(source_id=str(vote.pk), title__startswith="表决延期公告").exists()
