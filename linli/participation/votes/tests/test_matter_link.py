"""A deliberation matter (议题) put to the owners' vote: started from the matter page, linked, shown, reported."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import DomainError
from linli.housing.factories import BuildingFactory, CompoundFactory, HouseFactory
from linli.participation.deliberation import services as deliberation
from linli.participation.deliberation.models import Matter
from linli.participation.votes import services
from linli.participation.votes.models import OwnerVote

S = Matter.Status


def _matter(world, title="1号楼加装电梯") -> Matter:
    staff = world.users["staff"]
    matter = deliberation.matter_create(actor=staff, region=world.community, title=title,
                                        description="7 层无电梯，业主委员会提议加装。", proposer_kind="committee")  # fmt: skip
    deliberation.matter_review(matter=matter, actor=staff, approve=True,
                               discussion_ends=timezone.localdate() + dt.timedelta(days=7))  # fmt: skip
    return matter


def _all_yes(vote, world, estate):
    for house in (estate["h1"], estate["h2"], estate["h3"], world.house_a):
        services.ballot_cast(actor=world.users["staff"], vote=vote, house_id=house.pk, channel="paper",
                             choices=[{"item": 0, "choice": "yes"}])  # fmt: skip


def test_starting_an_owner_vote_from_the_matter_page_opens_it_in_the_compound_and_links_them(world, estate, login):
    matter = _matter(world)
    client = login(world.users["staff"])
    page = client.get(f"/console/participation/matters/{matter.pk}/").content.decode()
    assert "以本议题发起新的业主表决" in page and estate["compound"].name in page
    deadline = (timezone.localtime() + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/console/participation/matters/{matter.pk}/do/start_owner_vote/",
                           {"compound": estate["compound"].pk, "category": "7", "deadline": deadline})  # fmt: skip
    assert response.status_code == 302
    matter.refresh_from_db()
    vote = matter.owner_vote
    assert matter.status == S.VOTING and matter.method == "owner_vote" and vote is not None
    assert vote.compound == estate["compound"] and vote.title == "1号楼加装电梯" and vote.units == 6
    assert list(vote.items.values_list("title", "matter")) == [("1号楼加装电梯", 7)]
    assert vote.deadline is not None
    page = client.get(f"/console/participation/matters/{matter.pk}/").content.decode()
    assert "业主表决：1号楼加装电梯" in page and "投票中" in page and "投票期间不公布票数" in page
    assert vote.get_absolute_url() in page
    assert "业主表决进行中" in page and 'data-testid="results-form"' not in page  # no results report before the count
    # and the vote's page leads back to the matter
    back = client.get(vote.get_absolute_url()).content.decode()
    assert f'href="/console/participation/matters/{matter.pk}/" data-testid="linked-matter">1号楼加装电梯' in back


def test_starting_without_a_vote_or_compound_says_why_and_changes_nothing(world, estate, login):
    matter = _matter(world)
    client = login(world.users["staff"])
    response = client.post(f"/console/participation/matters/{matter.pk}/do/start_owner_vote/", {}, follow=True)
    assert "请选择一项已发起的业主表决，或选择小区发起新的表决" in response.content.decode()
    # a compound with a house whose area is not registered: the vote cannot be opened and the matter stays put
    world.house_a.area = None
    world.house_a.save(update_fields=["area"])
    response = client.post(f"/console/participation/matters/{matter.pk}/do/start_owner_vote/",
                           {"compound": estate["compound"].pk, "category": "9"}, follow=True)  # fmt: skip
    assert "未登记建筑面积" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == S.DISCUSSION and matter.owner_vote is None and not OwnerVote.objects.exists()


def test_an_open_vote_is_linked_once_and_only_in_the_matters_community(world, estate, login):
    vote = services.vote_create(actor=world.users["staff"], compound=estate["compound"], title="加装电梯表决",
                                items=[{"title": "加装电梯", "matter": 7}])  # fmt: skip
    matter, other = _matter(world), _matter(world, title="楼道照明改造")
    client = login(world.users["staff"])
    assert "加装电梯表决" in client.get(f"/console/participation/matters/{matter.pk}/").content.decode()
    client.post(f"/console/participation/matters/{matter.pk}/do/start_owner_vote/", {"owner_vote": vote.pk})
    matter.refresh_from_db()
    assert matter.owner_vote == vote and matter.status == S.VOTING
    # the vote is taken: the other matter neither offers it nor can link it
    offered = client.get(f"/console/participation/matters/{other.pk}/").content.decode()
    assert "关联已发起的业主表决" not in offered and "以本议题发起新的业主表决" in offered
    with pytest.raises(DomainError, match="已关联其他议题"):
        deliberation.matter_start_owner_vote(matter=other, actor=world.users["staff"], owner_vote=vote)
    # a vote of a compound in another community is refused
    far = CompoundFactory(community=world.other_community)
    HouseFactory(building=BuildingFactory(grid=world.grid_c, compound=far), area="70")
    elsewhere = services.vote_create(actor=None, compound=far, title="塔西表决", items=[{"title": "x", "matter": 9}])
    with pytest.raises(DomainError, match="不是彩虹社区的小区的表决"):
        deliberation.matter_start_owner_vote(matter=other, actor=world.users["staff"], owner_vote=elsewhere)
    other.refresh_from_db()
    assert other.status == S.DISCUSSION and other.owner_vote is None


def test_the_matter_shows_the_result_and_its_results_report_waits_for_the_vote(world, estate, login):
    matter = _matter(world)
    staff = world.users["staff"]
    deliberation.matter_start_owner_vote(matter=matter, actor=staff, compound=estate["compound"], category=9)
    vote = Matter.objects.get(pk=matter.pk).owner_vote
    _all_yes(vote, world, estate)
    with pytest.raises(DomainError, match="业主表决还没有结束"):
        deliberation.publish_results_notice(Matter.objects.get(pk=matter.pk), actor=staff)
    services.vote_close(actor=staff, vote=vote)
    page = login(staff).get(f"/console/participation/matters/{matter.pk}/").content.decode()
    assert "已结束" in page and "达到“双三分之二”" in page and "通过" in page
    assert "同意面积 100.00%" in page
    deliberation.publish_results_notice(Matter.objects.get(pk=matter.pk), actor=staff)
    matter.refresh_from_db()
    assert matter.status == S.RESULTS
    assert "业主表决“1号楼加装电梯”" in matter.results_body and "事项1“1号楼加装电梯”：通过" in matter.results_body


def test_an_owner_sees_the_vote_on_the_matter_in_the_resident_app(world, estate, login):
    matter = _matter(world)
    deliberation.matter_start_owner_vote(matter=matter, actor=world.users["staff"], compound=estate["compound"],
                                         category=9)  # fmt: skip
    vote = Matter.objects.get(pk=matter.pk).owner_vote
    page = login(world.users["resident"]).get(f"/m/matters/{matter.pk}/").content.decode()
    assert "业主表决：1号楼加装电梯" in page and f"/m/votes/{vote.pk}/" in page
    assert vote.get_absolute_url() not in page  # no console link for a resident
