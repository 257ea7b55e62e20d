"""The certificate PDF carries its Chinese font inside it, so every viewer shows the text."""

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from linli.volunteering import services
from linli.volunteering.models import Certificate, ServiceRecord

pytestmark = pytest.mark.django_db


def _certificate_pdf(world, login) -> bytes:
    resident = world.users["resident"]
    services.volunteer_register(user=resident, consent=True)
    ServiceRecord.objects.create(user=resident, name="张三", source="activity", content="楼道清理",
                                 served_on=timezone.localdate(), hours=Decimal("120"))  # fmt: skip
    c = login(resident)
    c.post("/m/volunteer/certificates/new/")
    cert = Certificate.objects.get(user=resident)
    response = c.get(f"/m/volunteer/certificates/{cert.pk}.pdf")
    assert response["Content-Type"] == "application/pdf"
    return response.content


def _fonts(reader: PdfReader) -> list:
    fonts = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            fonts.append(ref.get_object())
    return fonts


def test_the_certificate_embeds_its_chinese_font_and_uses_no_unembedded_cid_font(world, login):
    pdf = _certificate_pdf(world, login)
    assert b"STSong" not in pdf
    reader = PdfReader(io.BytesIO(pdf))
    # ReportLab lists its standard Type 1 fonts on every page (no Chinese glyphs, never used for the text here)
    fonts = [f for f in _fonts(reader) if f["/Subtype"] != "/Type1"]
    assert fonts, "the certificate has no Chinese font"
    for font in fonts:
        if font["/Subtype"] == "/Type0":  # a composite font: its glyphs are in the descendant's descriptor
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        else:
            descriptor = font["/FontDescriptor"]
        assert font["/Subtype"] in ("/TrueType", "/Type0"), font["/Subtype"]
        assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} is not embedded"


def test_the_certificate_text_names_the_volunteer_and_the_hours(world, login):
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_certificate_pdf(world, login))).pages)
    assert "志愿服务证明" in text
    assert "张三" in text or world.users["resident"].display_name in text
    assert "120.0 小时" in text and "一星志愿者" in text and "楼道清理" in text
