"""Personal-data protections: consent, my data, corrections, the auditor's trail, retention and key rotation."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from linli.core import crypto
from linli.core.errors import DomainError
from linli.core.models import AuditLog, ObjectChange
from linli.people import services as people_services
from linli.people.models import Person, Residency, Tag, TagAssignment
from linli.privacy import services
from linli.privacy.models import ConsentPurpose, ConsentText, CorrectionRequest, LegalHold, RetentionPolicy
from linli.testing import add_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def health_tag(db):
    ConsentText.objects.create(
        purpose=ConsentPurpose.HEALTH, version="2026-01", title="健康信息处理告知同意书", body="……"
    )
    return Tag.objects.add_root(create_kwargs=dict(name="慢性病", code="chronic", sensitivity=2, requires_consent=True))


def test_a_consent_requiring_tag_needs_a_current_consent(world, health_tag):
    grid1 = world.users["grid1"]
    with pytest.raises(DomainError, match="单独同意"):
        people_services.tag_assign(actor=grid1, person=world.person_a, tag=health_tag)
    services.consent_record(
        actor=grid1, person=world.person_a, purpose="health", granted=True, evidence="纸质同意书 2026-015"
    )
    people_services.tag_assign(actor=grid1, person=world.person_a, tag=health_tag)
    assert TagAssignment.objects.filter(person=world.person_a, tag=health_tag).exists()
    # Withdrawing the consent removes what depended on it.
    services.consent_record(
        actor=grid1, person=world.person_a, purpose="health", granted=False, evidence="本人书面撤回"
    )
    assert not TagAssignment.objects.filter(person=world.person_a, tag=health_tag).exists()
    # A retired consent text no longer counts.
    services.consent_record(
        actor=grid1, person=world.person_a, purpose="health", granted=True, evidence="纸质同意书 2026-016"
    )
    ConsentText.objects.update(is_active=False)
    with pytest.raises(DomainError):
        services.require_consent_for_tag(person=world.person_a, tag=health_tag)


def test_under_fourteen_only_a_guardian_consents(world, health_tag):
    child = add_person(
        house=world.house_a, name="张小", birth=timezone.localdate().replace(year=timezone.localdate().year - 8)
    )
    grid1 = world.users["grid1"]
    with pytest.raises(DomainError, match="监护人"):
        services.consent_record(actor=grid1, person=child, purpose="health", granted=True, evidence="同意书 001")
    with pytest.raises(DomainError, match="成年人"):
        services.consent_record(
            actor=grid1, person=child, purpose="health", granted=True, evidence="同意书 001", guardian=child
        )
    record = services.consent_record(
        actor=grid1, person=child, purpose="health", granted=True, evidence="同意书 001", guardian=world.person_a
    )
    assert record.given_by == "监护人 张三" and record.version == "2026-01"
    people_services.tag_assign(actor=grid1, person=child, tag=health_tag)
    with pytest.raises(DomainError, match="您没有"):
        services.consent_record(
            actor=world.users["grid2"], person=child, purpose="health", granted=True, evidence="x 同意书"
        )


def test_consent_records_are_append_only(world, health_tag):
    record = services.consent_record(
        actor=None, person=world.person_a, purpose="health", granted=True, evidence="同意书 002"
    )
    with pytest.raises(RuntimeError):
        record.save()


def test_resident_downloads_everything_held_about_them(world, login):
    people_services.person_unmask(actor=world.users["grid1"], person=world.person_a, field="phone", reason="联系核实")
    spouse = add_person(house=world.house_a, name="张妻", phone="13699990000")
    household = Person.objects.get(pk=world.person_a.pk).household
    people_services.household_add_member(actor=None, household=household, person=spouse, relation="spouse")
    client = login(world.users["resident"])
    assert client.get("/m/me/data/").status_code == 200
    data = json.loads(client.get("/m/me/data/export.json").content)
    assert data["本人"]["证件号码"] == crypto.decrypt(world.person_a.id_number_enc)
    assert data["本人"]["联系电话"] == "13812345678"
    members = {m["姓名"]: m for m in data["户"]["成员"]}
    assert members["张妻"]["联系电话"] == "136****0000"  # other members stay masked
    assert any(a["动作"] == "查看明文" and a["操作人"] == "g****" for a in data["访问记录"])
    assert data["人房关系"][0]["房屋"] == "彩虹花园3栋2单元501室"
    xlsx = client.get("/m/me/data/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditLog.objects.filter(action="export", field="本人数据副本", target_id=str(world.person_a.pk)).count() == 2
    assert login(world.users["outsider"]).get("/m/me/data/export.json").status_code == 404


def test_correction_request_is_handled_in_scope_and_corrects_the_record(world, login):
    client = login(world.users["resident"])
    response = client.post(
        "/m/me/corrections/new/", {"field": "phone", "requested": "139 1234 0000", "reason": "换号了"}
    )
    assert response.status_code == 302
    item = CorrectionRequest.objects.get()
    assert (item.current, item.requested, item.status) == ("138****5678", "139****0000", "submitted")
    assert "13912340000" not in item.requested and item.requested_enc
    assert login(world.users["grid2"]).get(f"/console/privacy/corrections/{item.pk}/").status_code == 404
    staff = login(world.users["grid1"])
    assert "张三" in staff.get("/console/privacy/corrections/").content.decode()
    staff.post(f"/console/privacy/corrections/{item.pk}/", {"decision": "accept", "reply": ""})
    item.refresh_from_db()
    assert item.status == "accepted" and item.handled_by == world.users["grid1"]
    person = Person.objects.get(pk=world.person_a.pk)
    assert crypto.decrypt(person.phone_enc) == "13912340000" and person.version == 2
    assert list(item.transitions.values_list("to_status", flat=True)) == ["submitted", "accepted"]
    with pytest.raises(DomainError):
        services.correction_handle(actor=world.users["grid1"], request=item, accept=False, reply="重复处理")


def test_rejection_needs_a_reply_and_residents_can_withdraw(world):
    resident = world.users["resident"]
    me = Person.objects.get(pk=world.person_a.pk)
    item = services.correction_submit(actor=resident, person=me, field="workplace", requested="邮局", reason="已换工作")
    with pytest.raises(DomainError, match="理由"):
        services.correction_handle(actor=world.users["grid1"], request=item, accept=False, reply="")
    services.correction_withdraw(actor=resident, request=item)
    assert CorrectionRequest.objects.get().status == "withdrawn"
    with pytest.raises(DomainError):
        services.correction_submit(
            actor=resident, person=world.person_b, field="name", requested="李四四", reason="不是我"
        )


def test_auditor_sees_who_touched_a_person_and_edits_nothing(world, login):
    people_services.person_unmask(
        actor=world.users["grid1"], person=world.person_a, field="id_number", reason="办理低保核实"
    )
    login(world.users["staff"]).get("/console/people/persons/", {"export": "xlsx"})
    auditor = login(world.users["auditor"])
    page = auditor.get("/console/privacy/audit/", {"q": crypto.decrypt(world.person_a.id_number_enc)})
    html = page.content.decode()
    assert page.status_code == 200
    assert "办理低保核实" in html and "grid1" in html and "导出" in html and "staff" in html
    assert auditor.get("/console/privacy/audit/", {"q": "张"}).status_code == 200
    # Read-only: no people lists, corrections handling or retention edits (imports: dataio/tests/test_rights.py).
    assert auditor.get("/console/people/persons/").status_code == 403
    assert auditor.post("/console/privacy/retention/", {"p-kind": "audit_log", "p-days": "200"}).status_code == 403
    assert auditor.get("/console/privacy/retention/").status_code == 200
    assert login(world.users["grid1"]).get("/console/privacy/audit/").status_code == 403


def test_retention_purge_keeps_six_months_of_logs_and_respects_legal_holds(world):
    old = timezone.now() - dt.timedelta(days=400)
    ended = Residency.objects.get(person=world.person_b)
    Residency.objects.filter(pk=ended.pk).update(start=dt.date(2010, 1, 1), end=dt.date(2015, 1, 1))
    kept = Residency.objects.get(person=world.person_c)
    Residency.objects.filter(pk=kept.pk).update(start=dt.date(2010, 1, 1), end=dt.date(2015, 1, 1))
    LegalHold.objects.create(person=world.person_c, reason="法院调取 (2026) 黔04 民初 1 号")
    AuditLog.objects.filter(pk=services.audit.record(actor=None, action="other").pk).update(created_at=old)
    services.retention_defaults()
    RetentionPolicy.objects.filter(kind="audit_log").update(days=30)  # below the floor: the floor wins
    counts = services.retention_purge()
    assert not Residency.objects.filter(pk=ended.pk).exists()
    assert Residency.objects.filter(pk=kept.pk).exists()
    assert counts["audit_log"] == 1  # 400 days > 183
    with pytest.raises(DomainError, match="183"):
        services.retention_set(actor=world.users["admin"], kind="audit_log", days=30)
    LegalHold.objects.create(kind="ended_residency", reason="审计调阅")
    assert services.retention_purge()["ended_residency"] == 0


def test_rotate_keys_reencrypts_everything_and_old_values_stay_readable(world, settings, tmp_path):
    from django.core.management import call_command

    from linli.privacy import keyrotation

    ring = crypto.keyring()
    keys = {
        "current": ring["current"],
        "index_key": _b64(ring["index_key"]),
        "keys": {k: _b64(v) for k, v in ring["keys"].items()},
    }
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(keys))
    settings.LINLI_KEYS_FILE = path
    crypto.keyring.cache_clear()
    try:
        number = crypto.decrypt(world.person_a.id_number_enc)
        call_command("rotate_keys")
        current = crypto.keyring()["current"]
        assert current != keys["current"]
        person = Person.objects.get(pk=world.person_a.pk)
        assert person.id_number_enc.startswith(current + ":") and crypto.decrypt(person.id_number_enc) == number
        assert person.id_number_hash == world.person_a.id_number_hash  # the blind index does not change
        status = keyrotation.status()
        assert set(status["people.Person"]) == {current} and set(status["core.User"]) <= {current}
        assert ObjectChange.objects.exists()
    finally:
        crypto.keyring.cache_clear()


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()


def test_consent_form_refuses_a_guardian_outside_the_users_scope(world, health_tag, login):
    from linli.privacy.models import ConsentRecord

    c = login(world.users["grid1"])
    r = c.post(
        "/console/privacy/consents/",
        {"person": world.person_a.pk, "purpose": "health", "granted": "grant", "guardian": world.person_c.pk,
         "evidence": "纸质同意书 2026-001"},
    )  # fmt: skip
    assert r.status_code == 200 and "监护人：不存在或不在您的管辖范围内" in r.content.decode()
    assert not ConsentRecord.objects.exists()


def test_auditor_lookup_by_id_number_is_posted_audited_and_limited(world, login, settings):
    """The auditor sees every grid: a lookup by full ID number must not be a free, silent oracle nor sit in a URL."""
    settings.LINLI_EXACT_SEARCH_LIMIT = 2
    auditor = login(world.users["auditor"])
    number = crypto.decrypt(world.person_a.id_number_enc)
    page = auditor.get("/console/privacy/audit/").content.decode()
    assert 'method="post"' in page
    r = auditor.post("/console/privacy/audit/", {"q": number, "action": "unmask"})
    assert r.status_code == 302 and r["Location"] == f"/console/privacy/audit/?person={world.person_a.pk}&action=unmask"
    row = AuditLog.objects.get(action=AuditLog.Action.SEARCH, actor=world.users["auditor"])
    assert row.extra["hash"] == world.person_a.id_number_hash and row.extra["via"] == "audit"
    assert auditor.post("/console/privacy/audit/", {"q": "110101199003070011"}).status_code == 200  # a miss counts
    r = auditor.post("/console/privacy/audit/", {"q": number})
    assert r.status_code == 429 and "查询过于频繁" in r.content.decode()


def test_retention_kinds_are_what_the_apps_registered(world, login):
    from linli.core.modules import retention_kinds

    kinds = {k.key: k.app for k in retention_kinds()}
    assert kinds["ended_residency"] == "people" and kinds["closed_event_phone"] == "events"
    assert kinds["export_file"] == "dataio" and kinds["audit_log"] == "privacy"
    with pytest.raises(DomainError, match="记录类型"):
        services.retention_set(actor=world.users["admin"], kind="no_such_kind", days=30)
    with pytest.raises(DomainError, match="记录类型"):
        services.legal_hold_place(actor=world.users["admin"], reason="审计调阅", kind="no_such_kind")
    policy = services.retention_set(actor=world.users["admin"], kind="closed_event_phone", days=90)
    assert policy.days == 90 and str(policy) == "已结案事件的报告人联系电话：90 天"
    page = login(world.users["auditor"]).get("/console/privacy/retention/").content.decode()
    assert all(k.label in page for k in retention_kinds())


def test_a_sensitive_tag_is_refused_through_the_check_people_asks(world, health_tag):
    """people does not import privacy: it asks the registered "people.tag_assign" check, which privacy fills."""
    from linli.core.modules import registry

    assert services.require_consent_for_tag in registry.checks["people.tag_assign"]
    with pytest.raises(DomainError, match="需要本人的单独同意") as exc:
        people_services.tag_assign(actor=world.users["grid1"], person=world.person_a, tag=health_tag)
    assert exc.value.message == "标签：设置“慢性病”需要本人的单独同意，请先在“同意记录”中登记（含凭证）"
    assert exc.value.code == "consent_required"


def test_retention_purge_command_runs_every_registered_kind(world):
    from io import StringIO

    from django.core.management import call_command

    from linli.core.modules import retention_kinds

    out = StringIO()
    call_command("retention_purge", stdout=out)
    lines = out.getvalue().splitlines()
    assert {line.split(":")[0] for line in lines[:-1]} == {k.key for k in retention_kinds()}
    assert lines[-1].startswith("已清理")
