"""The certificate of volunteer service hours: a PDF (ReportLab) with a verifying QR code.

The text is set in WenQuanYi Micro Hei (Apache 2.0, ``fonts/`` beside this file; Chinese, Latin and digits), a
TrueType font that ReportLab embeds as a subset of the glyphs used: a viewer without Chinese fonts shows every
character.
"""

import io
from pathlib import Path

from django.utils import timezone

FONT_NAME = "LinliCJK"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"

STARS = {0: "", 1: "一星志愿者", 2: "二星志愿者", 3: "三星志愿者", 4: "四星志愿者", 5: "五星志愿者"}


def render_pdf(certificate, *, verify_url: str, records: list) -> bytes:
    """A4 portrait: title, the volunteer's name, total confirmed hours and star, the service content (latest first),
    and a QR code of ``verify_url``, whose public page shows only a masked name and the hours."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = FONT_NAME
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(font, str(FONT_FILE), subfontIndex=0))  # embedded as a subset of the glyphs used
    out = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(out, pagesize=A4)
    c.setTitle("志愿服务证明")
    c.setAuthor("邻里智慧社区平台")
    c.setLineWidth(2)
    c.rect(40, 40, width - 80, height - 80)
    c.setFont(font, 28)
    c.drawCentredString(width / 2, height - 120, "志愿服务证明")
    left, right = 80, width - 80
    issued = timezone.localtime(certificate.issued_at)
    lines = [
        f"兹证明 {certificate.name} 同志参加社区志愿服务，截至 {issued:%Y年%m月%d日}，"
        f"经组织者确认的志愿服务时长累计 {certificate.hours} 小时。",
    ]
    if certificate.star:
        lines.append(f"按 100/300/600/1000/1500 小时的星级标准，认定为{STARS[certificate.star]}。")
    c.setFont(font, 14)
    y = height - 180
    for line in lines:
        for part in _wrap(line, font, 14, right - left):
            c.drawString(left, y, part)
            y -= 26
    c.setFont(font, 11)
    y -= 12
    c.drawString(left, y, "服务内容（最近）：")
    y -= 20
    for record in records[:15]:
        text = f"{record.served_on:%Y-%m-%d}  {record.content}  {record.hours} 小时"
        c.drawString(left + 16, y, _wrap(text, font, 11, right - left - 16)[0])
        y -= 18
    # The foot: the QR code on the right; the date above it; the legal basis, the number and the hint beside it.
    size = 110
    qr = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, right - size, 80)
    c.setFont(font, 14)
    c.drawRightString(right, 80 + size + 24, f"{issued:%Y年%m月%d日}")
    c.setFont(font, 10)
    foot = _wrap(
        "本证明依据《志愿服务记录与证明出具办法》（民政部令第67号）出具，时长为实际服务时间，不含交通时间。",
        font, 10, right - size - 20 - left,
    )  # fmt: skip
    foot += [f"证明编号：{certificate.code}", "扫描右侧二维码可在线核验（核验页不显示个人信息）。"]
    y = 80 + 15 * (len(foot) - 1)
    for line in foot:
        c.drawString(left, y, line)
        y -= 15
    c.showPage()
    c.save()
    return out.getvalue()


def _wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` points (Chinese breaks between any two characters)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for ch in text:
        if line and stringWidth(line + ch, font, size) > max_width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines or [""]
