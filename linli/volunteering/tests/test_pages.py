"""The pages people use: the console's lists, dashboard and export; the resident's wall, hours and certificate."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.factories import UserFactory
from linli.core.roles import Role
from linli.volunteering import services
from linli.volunteering.models import Certificate, ServiceRecord

pytestmark = pytest.mark.django_db


def _wish(world, **kw):
    wish = services.wish_create(actor=world.users["resident"], title="想要一台收音机", **kw)
    return services.wish_publish(wish=wish, actor=world.users["staff"])


def test_staff_see_the_dashboard_lists_and_export(world, login):
    _wish(world)
    c = login(world.users["staff"])
    page = c.get("/console/volunteering/").content.decode()
    assert "心愿看板" in page and 'data-testid="open">1<' in page
    for url in ("wishes", "activities", "volunteers", "teams", "corrections"):
        assert c.get(f"/console/volunteering/{url}/").status_code == 200
    export = c.get("/console/volunteering/wishes/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_wish_of_another_community_is_404_for_staff(world, login):
    wish = _wish(world)
    other = UserFactory(grants=[(Role.COMMUNITY_STAFF, world.other_community)])
    assert login(other).get(f"/console/volunteering/wishes/{wish.pk}/").status_code == 404


def test_staff_post_a_wish_for_a_child_and_the_wall_never_names_them(world, login):
    c = login(world.users["staff"])
    r = c.post("/console/volunteering/wishes/new/", {"title": "想要一个书包", "category": "study", "content": "",
                                                     "address": "", "beneficiary_name": "王小明", "is_minor": "on",
                                                     "region": world.grid_a.pk})  # fmt: skip
    assert r.status_code == 302
    wish_id = int(r["Location"].rstrip("/").split("/")[-1])
    c.post(f"/console/volunteering/wishes/{wish_id}/publish/")
    wall = login(world.users["resident"]).get("/m/wishes/").content.decode()
    assert "想要一个书包" in wall and "一位小朋友" in wall and "王小明" not in wall and "王*" not in wall


def test_a_missing_title_is_a_chinese_field_error_and_nothing_is_saved(world, login):
    c = login(world.users["resident"])
    page = c.post("/m/wishes/new/", {"title": "", "category": "daily"}).content.decode()
    assert "心愿：" in page
    assert not c.get("/m/wishes/mine/").context["mine"]


def test_the_resident_pages_open(world, login):
    _wish(world)
    c = login(world.users["resident"])
    for url in ("/m/wishes/", "/m/wishes/mine/", "/m/wishes/ranking/", "/m/volunteer/", "/m/volunteer/hours/",
                "/m/volunteer/points/", "/m/volunteer/join/"):  # fmt: skip
        assert c.get(url).status_code == 200, url


def test_the_certificate_is_a_pdf_and_its_public_page_shows_no_personal_data(world, login, client):
    resident = world.users["resident"]
    services.volunteer_register(user=resident, consent=True)
    ServiceRecord.objects.create(user=resident, name="张三", source="activity", content="楼道清理",
                                 served_on=timezone.localdate(), hours=Decimal("120"))  # fmt: skip
    c = login(resident)
    c.post("/m/volunteer/certificates/new/")
    cert = Certificate.objects.get(user=resident)
    assert (cert.hours, cert.star) == (Decimal("120.0"), 1)
    pdf = c.get(f"/m/volunteer/certificates/{cert.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    c.logout()
    public = client.get(f"/verify/volunteer-certificate/{cert.code}/").content.decode()
    assert "证明有效" in public and "张*" in public and "120.0 小时" in public
    assert "张三" not in public and "13812345678" not in public
    assert client.get("/verify/volunteer-certificate/not-a-code/").status_code == 404


def test_check_in_and_out_through_the_qr_page(world, login):
    resident = world.users["resident"]
    v = services.volunteer_register(user=resident, consent=True)
    now = timezone.now()
    activity = services.activity_create(actor=world.users["staff"], region=world.grid_a, title="巡逻", place="门口",
                                        starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=1),
                                        quota=3)  # fmt: skip
    from linli.volunteering.models import Signup

    Signup.objects.create(activity=activity, volunteer=v, status="signed")
    c = login(resident)
    url = f"/m/volunteer/scan/{activity.checkin_token}/"
    assert "签到" in c.get(url).content.decode()
    c.post(url, {"op": "in"})
    page = c.post(url, {"op": "out"}, follow=True).content.decode()
    assert "签退成功" in page
    assert c.get("/m/volunteer/scan/wrong-token/").status_code == 404


def test_a_resident_redeems_points_and_staff_refund_them_with_a_reversal(world, login):
    from linli.volunteering.models import PointEntry, Reward

    resident = world.users["resident"]
    reward = services.reward_create(
        region=world.community, name="理发一次", kind=Reward.Kind.SERVICE, cost="30", stock=2
    )
    services.points_award(user=resident, amount=Decimal("40"), memo="志愿活动", actor=None)
    c = login(resident)
    page = c.post(f"/m/volunteer/points/rewards/{reward.pk}/redeem/", follow=True).content.decode()
    assert "兑换成功" in page and "10.00" in page
    staff = login(world.users["staff"])
    redemption = reward.redemptions.get()
    page = staff.post(f"/console/volunteering/redemptions/{redemption.pk}/reverse/", {"reason": ""}, follow=True)
    assert "退回原因：请填写" in page.content.decode()
    staff.post(f"/console/volunteering/redemptions/{redemption.pk}/reverse/", {"reason": "理发师休假"})
    assert PointEntry.objects.filter(reverses=redemption.entry).exists()
    assert services.balance(services.person_account(resident)) == Decimal("40.00")


def test_the_resident_home_leads_to_the_wish_wall_and_volunteering(world, login):
    page = login(world.users["resident"]).get("/m/").content.decode()
    assert 'href="/m/wishes/"' in page and 'href="/m/volunteer/"' in page and "微心愿" in page
