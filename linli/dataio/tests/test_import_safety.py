"""Security items of imports: a zip bomb is refused before parsing; a dead worker's batch fails and can be retried."""

import datetime as dt
import io
import time
import zipfile

import pytest
from django.utils import timezone

from linli.core.errors import DomainError
from linli.dataio import progress, services
from linli.dataio.models import ImportBatch, ImportTransition
from linli.dataio.tests.helpers import ids, xlsx
from linli.people.models import Person

pytestmark = pytest.mark.django_db
S = ImportBatch.Status


def _xlsx_with_sheet(write_sheet) -> bytes:
    """A minimal .xlsx whose one worksheet's XML is written by ``write_sheet(fh)``, deflated at level 9."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<dimension ref="A1:B2"/><sheetData>'
            )
            write_sheet(fh)
            fh.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def test_a_tiny_xlsx_that_unpacks_to_hundreds_of_mb_is_refused_before_parsing(world):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
    piece = row * 20_000  # ~1.3 MB of XML

    def write(fh):
        fh.write('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'.encode())
        for _ in range(250):  # ~330 MB in all
            fh.write(piece)

    data = _xlsx_with_sheet(write)
    assert len(data) < 2_000_000  # a small upload ...
    started = time.perf_counter()
    with pytest.raises(DomainError, match="压缩比异常") as caught:  # ... that would unpack to ~330 MB
        services.import_upload(actor=world.users["grid1"], kind="persons", file_name="人口.xlsx", data=data)
    assert time.perf_counter() - started < 2.0
    assert "请拆分" in caught.value.message
    assert not ImportBatch.objects.exists()


def test_a_shared_string_used_by_thousands_of_cells_is_refused_before_parsing(world):
    """40 KB that would cost ~900 MB: every cell that refers to a shared string is parsed into its own copy."""

    def write(fh):
        fh.write(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')
        for r in range(2, 1_900):  # under the 2,000 rows that a web request still parses itself
            fh.write(f'<row r="{r}"><c r="A{r}" t="s"><v>2</v></c><c r="B{r}" t="s"><v>2</v></c></row>'.encode())

    buf = io.BytesIO(_xlsx_with_sheet(write))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/sharedStrings.xml", "<sst><si><t>姓名</t></si><si><t>身份证号</t></si>"
                   "<si><t>" + "邻" * 30_000 + "</t></si></sst>")  # fmt: skip
    data = buf.getvalue()
    assert len(data) < 100_000
    started = time.perf_counter()
    with pytest.raises(DomainError, match="文字合计超过"):
        services.import_upload(actor=world.users["grid1"], kind="persons", file_name="人口.xlsx", data=data)
    assert time.perf_counter() - started < 2.0
    assert not ImportBatch.objects.exists()


def test_the_areas_of_all_sheets_add_up(world):
    """Every sheet is loaded to find the header, so ten sheets just under the cap each are ten times the cap."""
    from linli.core import tabular

    row = b"".join(b'<c r="%s%%d"><v>1</v></c>' % bytes([65 + c]) for c in range(10))

    def sheet_xml(rows: int) -> bytes:
        body = b"".join(b"<row r=\"%d\">" % r + (row.replace(b"%d", str(r).encode())) + b"</row>"
                        for r in range(1, rows + 1))  # fmt: skip
        return b"<worksheet><sheetData>" + body + b"</sheetData></worksheet>"

    rows = tabular.MAX_CELLS // 10 // 3 + 1  # a third of the cap per sheet
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n in range(1, 4):
            z.writestr(f"xl/worksheets/sheet{n}.xml", sheet_xml(rows))
    with pytest.raises(DomainError, match="数据区域合计"):
        tabular.inspect_upload(buf.getvalue(), "三张表.xlsx")


def test_one_value_in_a_far_corner_is_refused_rather_than_read_as_a_huge_block(world):
    def write(fh):
        fh.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>')
        fh.write(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')

    with pytest.raises(DomainError, match="列数据|数据区域"):
        services.import_upload(
            actor=world.users["grid1"], kind="persons", file_name="a.xlsx", data=_xlsx_with_sheet(write)
        )


def test_real_rows_are_counted_not_the_dimension_the_file_claims(world, monkeypatch):
    monkeypatch.setattr(services, "JOB_THRESHOLD_ROWS", 50)
    numbers = ids(80)

    def write(fh):  # <dimension ref="A1:B2"/> claims 2 rows; there are 81
        fh.write('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c>'
                 '<c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>'.encode())  # fmt: skip
        for i, n in enumerate(numbers, start=2):
            fh.write(
                f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>人{i}</t></is></c>'
                f'<c r="B{i}" t="inlineStr"><is><t>{n}</t></is></c></row>'.encode()
            )

    batch = services.import_upload(
        actor=world.users["grid1"], kind="persons", file_name="a.xlsx", data=_xlsx_with_sheet(write)
    )
    assert batch.rows_total == 80
    assert batch.is_job  # parsed by the worker, not in the web request


def test_rows_that_are_only_formatted_do_not_count(world):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["姓名", "身份证号", "楼栋", "单元", "房号"])
    for n in ids(5):
        ws.append(["某人", n, "3", "2", "501"])
    for r in range(7, 2002):  # the template's pre-formatted text cells
        for c in (2, 5):
            ws.cell(row=r, column=c).number_format = "@"
    buf = io.BytesIO()
    book.save(buf)
    batch = services.import_upload(actor=world.users["grid1"], kind="persons", file_name="a.xlsx", data=buf.getvalue())
    assert (batch.rows_total, batch.is_job) == (5, False)


def _die_mid_commit(batch, *, minutes_ago: float) -> None:
    """What a killed worker leaves behind: the status it wrote before its transaction, and silence."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=S.COMMITTING)
    moved = ImportTransition.objects.create(batch=batch, from_status=S.VALIDATED, to_status=S.COMMITTING)
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportTransition.objects.filter(pk=moved.pk).update(at=then)


def test_a_batch_whose_worker_died_mid_commit_fails_with_a_message_and_can_be_retried(world, login):
    rows = [["姓名", "身份证号", "楼栋", "单元", "房号"], ["卜一", ids(1)[0], "3", "2", "501"]]
    user = world.users["grid1"]
    batch = services.import_upload(actor=user, kind="persons", file_name="台账.xlsx", data=xlsx(rows))
    services.import_validate(batch=batch, actor=user)
    _die_mid_commit(batch, minutes_ago=10)

    client = login(user)
    page = client.get(f"/console/imports/{batch.pk}/").content.decode()
    batch.refresh_from_db()
    assert batch.status == S.FAILED
    assert "处理中断" in page and "没有写入任何数据" in page and "重新试导入" in page
    assert batch.transitions.last().note.startswith("处理中断")
    assert not Person.objects.filter(name="卜一").exists()

    client.post(f"/console/imports/{batch.pk}/retry/")
    batch.refresh_from_db()
    assert batch.status == S.VALIDATED and batch.error_count == 0
    client.post(f"/console/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == S.COMMITTED and Person.objects.filter(name="卜一").exists()


def test_a_live_commit_with_a_recent_heartbeat_is_left_alone(world, api):
    rows = [["姓名", "身份证号"], ["卜二", ids(1)[0]]]
    user = world.users["grid1"]
    batch = services.import_upload(actor=user, kind="persons", file_name="台账.xlsx", data=xlsx(rows))
    _die_mid_commit(batch, minutes_ago=10)
    progress.beat("import", batch.pk)  # ... but it is alive: it beat just now
    body = api(user).get(f"/api/v1/imports/{batch.pk}/").json()
    assert body["status"] == "committing"
    progress.beat("import", batch.pk, at=time.time() - 600)
    body = api(user).get(f"/api/v1/imports/{batch.pk}/").json()
    assert (body["status"], body["committed"]) == ("failed", False)
    assert body["errors"][0]["message"].startswith("处理中断")


def test_a_long_thin_block_beyond_the_cell_cap_is_refused(world):
    def write(fh):  # 150,001 rows × 20 columns, one value at each end of the used area
        fh.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>')
        fh.write(b'<row r="150001"><c r="T150001"><v>1</v></c></row>')

    with pytest.raises(DomainError, match="数据区域"):
        services.import_upload(
            actor=world.users["grid1"], kind="persons", file_name="a.xlsx", data=_xlsx_with_sheet(write)
        )


def _with_shared_strings(data: bytes, megabytes: int) -> bytes:
    """``data`` plus an xl/sharedStrings.xml of about ``megabytes`` MB that deflates only ~60:1 (under the ratio
    limit): long runs broken by random hex, like text that does not repeat."""
    import os

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, src.read(info.filename))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(megabytes * 500):
                fh.write(b"<si><t>" + b"a" * 2000 + os.urandom(24).hex().encode() + b"</t></si>")
            fh.write(b"</sst>")
    return out.getvalue()


def _one_row(fh):
    fh.write('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'.encode())
    fh.write('<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c></row>'.encode())


def test_a_shared_strings_part_too_large_to_hold_is_refused_before_parsing(world):
    """One row and 70 MB of shared strings at ~60:1: every earlier check passed, and the web request parsed it
    (a 6 MB file with 374 MB of strings peaked at 475 MB)."""
    data = _with_shared_strings(_xlsx_with_sheet(_one_row), 70)
    assert len(data) < 3_000_000
    with pytest.raises(DomainError, match="共享字符串") as caught:
        services.import_upload(actor=world.users["grid1"], kind="persons", file_name="人口.xlsx", data=data)
    assert "请拆分" in caught.value.message
    assert not ImportBatch.objects.exists()


def test_a_file_with_large_shared_strings_is_read_by_the_worker_not_the_web_request(world):
    data = _with_shared_strings(_xlsx_with_sheet(_one_row), 10)
    batch = services.import_upload(actor=world.users["grid1"], kind="persons", file_name="人口.xlsx", data=data)
    assert batch.rows_total == 1 and batch.is_job
