"""A matter's documents and meeting photos are kept sealed (encrypted) and served only to who may see the matter."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from linli.core import attachments
from linli.core.factories import UserFactory
from linli.core.roles import Role
from linli.participation.deliberation import services
from linli.participation.deliberation.models import Matter, MatterDocument, MeetingPhoto

MINUTES = "恳谈会纪要：张三（身份证 520201199001011234，电话 13800000000）反映 3 栋漏水。".encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _matter(world, *, approve=True) -> Matter:
    staff = world.users["staff"]
    matter = services.matter_create(actor=staff, region=world.community, title="3栋屋面防水", description="漏水",
                                    proposer_kind="staff")  # fmt: skip
    if approve:
        services.matter_review(matter=matter, actor=staff, approve=True,
                               discussion_ends=timezone.localdate() + dt.timedelta(days=7))  # fmt: skip
    return matter


def _stream(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_uploaded_document_rests_sealed_and_is_served_in_clear_to_staff_and_neighbours(world, login):
    matter = _matter(world)
    client = login(world.users["staff"])
    upload = SimpleUploadedFile("纪要.txt", MINUTES, content_type="text/plain")
    client.post(f"/console/participation/matters/{matter.pk}/do/document_add/", {"file": upload})
    doc = MatterDocument.objects.get(matter=matter)
    with attachments.open(doc.key) as fh:
        stored = fh.read()
    assert stored.startswith(attachments.MAGIC) and b"520201199001011234" not in stored and MINUTES not in stored
    url = f"/console/participation/matters/{matter.pk}/documents/{doc.pk}/"
    response = client.get(url)
    assert response.status_code == 200 and _stream(response) == MINUTES
    assert response["Content-Type"] == "application/octet-stream" and "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    # a resident of the community sees the public matter and its documents, from the resident app
    resident = login(world.users["resident"])
    mine = f"/m/matters/{matter.pk}/documents/{doc.pk}/"
    assert mine in resident.get(f"/m/matters/{matter.pk}/").content.decode()
    assert _stream(resident.get(mine)) == MINUTES


def test_documents_are_refused_to_those_who_may_not_see_the_matter(world, login):
    matter = _matter(world, approve=False)  # still 待审核: only staff and the proposer see it
    doc = services.document_add(matter=matter, actor=world.users["staff"],
                                upload=SimpleUploadedFile("预算.xlsx", b"budget", content_type="application/vnd.ms-excel"))  # fmt: skip
    url = f"/console/participation/matters/{matter.pk}/documents/{doc.pk}/"
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    mine = f"/m/matters/{matter.pk}/documents/{doc.pk}/"
    assert login(world.users["resident"]).get(mine).status_code == 404
    assert login(world.users["outsider"]).get(mine).status_code == 404
    stranger = UserFactory(grants=[(Role.COMMUNITY_STAFF, world.other_community)])
    assert login(stranger).get(url).status_code == 404
    # another matter's id in the URL does not reach this document
    other = _matter(world)
    assert (
        login(world.users["staff"]).get(f"/console/participation/matters/{other.pk}/documents/{doc.pk}/").status_code
        == 404
    )
    assert _stream(login(world.users["staff"]).get(url)) == b"budget"


def test_meeting_photos_rest_sealed_and_a_file_kept_before_sealing_is_still_served(world, login):
    matter = _matter(world)
    meeting = services.meeting_record(
        matter=matter, actor=world.users["staff"], kind="bench", held_at=timezone.now() - dt.timedelta(hours=1),
        place="3栋凉亭", minutes="同意维修", photos=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    )  # fmt: skip
    photo = MeetingPhoto.objects.get(meeting=meeting)
    with attachments.open(photo.key) as fh:
        assert not fh.read().startswith(b"\x89PNG")
    client = login(world.users["resident"])
    response = client.get(f"/m/matters/{matter.pk}/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png" and _stream(response) == PNG
    # a document uploaded before documents were sealed (plain in the storage) still opens
    key = attachments.save("participation/documents/old.pdf", b"%PDF-1.4 old")
    old = MatterDocument.objects.create(matter=matter, name="旧方案.pdf", key=key, content_type="application/pdf")
    response = client.get(f"/m/matters/{matter.pk}/documents/{old.pk}/")
    assert _stream(response) == b"%PDF-1.4 old"
