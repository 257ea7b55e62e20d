"""双报到 in real Chromium: a position holder (a resident account, no party-member role) claims a wish from the wall
through their position; the secretary withdraws a claim with a reason and the place frees up."""

import pytest

from linli.testing import PASSWORD
from tests.browser.conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_holder_claims_a_wish_and_secretary_withdraws_the_claim(browser_world, live_server, browser, shot):
    from linli.core import services as core_services
    from linli.core.roles import Role
    from linli.party import services
    from linli.party.models import PositionClaim
    from linli.people.models import Person
    from linli.volunteering import services as wishes
    from linli.volunteering.models import Wish

    world = browser_world
    base = live_server.url
    branch = services.organization_create(actor=None, name="彩虹社区第一党支部", kind="branch", region=world.community)
    holder = core_services.user_create(actor=None, username="holder", password=PASSWORD, full_name="李四")
    core_services.grant_add(actor=None, user=holder, role=Role.RESIDENT)
    Person.objects.filter(pk=world.person_b.pk).update(user=holder)
    member = services.member_add(actor=None, person=world.person_b, organization=branch)
    position = services.position_create(actor=None, community=world.community, name="便民服务员", quota=1)
    claim = services.position_claim(actor=None, position=position, member=member)
    wish = wishes.wish_create(actor=world.users["resident"], title="想请人帮忙理发")
    wishes.wish_publish(wish=wish, actor=world.users["staff"])
    secretary = core_services.user_create(actor=None, username="secretary", password=PASSWORD, full_name="陈书记")
    core_services.grant_add(actor=None, user=secretary, role=Role.PARTY_SECRETARY, region=world.community)

    # 1. The holder sees 我来认领 on the wall and claims the wish.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    mob = context.new_page()
    mob.set_default_timeout(15_000)
    mob.goto(f"{base}/accounts/login/?next=/m/wishes/")
    mob.fill("#id_username", "holder")
    mob.fill("#id_password", PASSWORD)
    mob.click("button[type=submit]")
    mob.wait_for_url("**/m/wishes/")
    mob.get_by_test_id(f"claim-{wish.pk}").click()
    mob.wait_for_load_state()
    assert "认领成功" in mob.locator("body").inner_text()
    assert Wish.objects.get(pk=wish.pk).claimer_id == holder.pk
    shot(mob, "party-positions-01-holder-claimed")
    context.close()

    # 2. The secretary withdraws the holder's claim with a reason; the place frees up and the history stays.
    sctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    sec = sctx.new_page()
    sec.set_default_timeout(15_000)
    staff_login(sec, base, secretary, PASSWORD)
    sec.goto(f"{base}{position.get_absolute_url()}")
    assert sec.get_by_test_id("quota").inner_text().startswith("1 / 1")
    sec.get_by_test_id(f"withdraw-{claim.pk}").click()
    sec.click("button[type=submit]")  # no reason: refused, nothing changed
    assert PositionClaim.objects.get(pk=claim.pk).withdrawn_on is None
    sec.fill("#id_reason", "工作调动到外区")
    sec.click("button[type=submit]")
    sec.wait_for_url(f"**{position.get_absolute_url()}")
    assert sec.get_by_test_id("quota").inner_text().startswith("0 / 1")
    assert "工作调动到外区" in sec.get_by_test_id("withdrawn-row").inner_text()
    shot(sec, "party-positions-02-withdrawn")
    sctx.close()
