"""add-plan: a .txt in any encoding and line ends, a .docx and a .pdf made here go in with
their metadata read from the text; scans, duplicates and wrong scopes are refused with the
reason (issue 12 item 1, 3, 4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from plan_factory import county_plan, docx_of, pdf_of, scanned_pdf
from test_manifest_entries import SEEDS, seed_plans

from xiancheng.ingest.metadata import detect, parse_date
from xiancheng.ingest.pipeline import build_dataset
from xiancheng.settings import ROOT


def add_plan(plans: Path, file: Path, *args: str, **run) -> subprocess.CompletedProcess:
    """The CLI's add-plan in a process of its own; run: more of subprocess.run's arguments
    (an environment, a resource limit set in the child)."""
    return subprocess.run(
        [sys.executable, "-m", "xiancheng", "--plans-dir", str(plans), "add-plan", str(file), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120, **run,
    )


def new_entries(plans: Path) -> dict:
    documents = yaml.safe_load((plans / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
    return {k: v for k, v in documents.items() if k not in SEEDS}


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    return seed_plans(tmp_path_factory.mktemp("intake"))


# county, adcode, how the bytes are made
ENCODED = [
    ("gbk", "壶关县", "140427", lambda t: t.encode("gbk")),
    ("gb18030", "长子县", "140428", lambda t: t.encode("gb18030")),
    ("utf-16", "武乡县", "140429", lambda t: t.encode("utf-16")),
    ("utf-8-bom", "沁县", "140430", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8")),
    ("crlf", "沁源县", "140431", lambda t: t.replace("\n", "\r\n").encode("utf-8")),
    ("cr-only", "平顺县", "140425", lambda t: t.replace("\n", "\r").encode("utf-8")),
]


@pytest.mark.parametrize("label,county,adcode,encode", ENCODED, ids=[e[0] for e in ENCODED])
def test_texts_in_any_encoding_and_line_ends_go_in_with_their_metadata(plans, tmp_path, label, county, adcode, encode):
    number = f"{county[:1]}政办发〔2024〕{len(label)}号"
    source = tmp_path / f"{label}.txt"
    source.write_bytes(encode(county_plan(county, number=number, date="二〇二四年十一月五日")))
    result = add_plan(plans, source)
    assert result.returncode == 0, result.stderr
    entry = next(v for v in new_entries(plans).values() if v["scope_adcode"] == adcode)
    assert entry["number"] == number and entry["date"] == "2024-11-05" and entry["scope_level"] == "county"
    assert entry["issuer"] == f"{county}人民政府办公室" and entry["title"] == f"{county}推进以县城为重要载体的新型城镇化建设实施方案"
    assert entry["title_lines"] == [17, 18] and entry["kind"] == "action-plan"
    name = next(k for k, v in new_entries(plans).items() if v["scope_adcode"] == adcode)
    written = (plans / name).read_bytes()
    assert written.decode("utf-8").startswith(f"{county}人民政府办公室文件\n")  # UTF-8, LF
    if label in ("crlf", "utf-8-bom", "cr-only", "gbk", "gb18030", "utf-16"):
        assert (plans / entry["original"]).read_bytes() == source.read_bytes()  # the original kept beside it
    assert "第17–18行" in result.stdout or "lines 17-18" in result.stdout  # the line the title came from
    dataset, report = build_dataset(plans)
    doc = next(d for d in report.documents if d.document == name)
    assert doc.status == "ok", doc.issues
    assert len([t for t in dataset.tasks if t.document == name and t.adcodes == [adcode]]) == 3


def test_docx_made_with_python_docx_goes_in_with_its_metadata(plans, tmp_path):
    text = county_plan("襄垣县", number="襄政办发〔2024〕31号", date="2024年8月30日")
    table = [["序号", "项目名称", "建设内容", "责任单位"], ["1", "襄垣县城市生命线安全工程", "建设监测平台", "县住建局"]]
    source = tmp_path / "襄垣县方案.docx"
    source.write_bytes(docx_of(text, table))
    result = add_plan(plans, source)
    assert result.returncode == 0, result.stderr
    name, entry = next((k, v) for k, v in new_entries(plans).items() if v["scope_adcode"] == "140423")
    assert (entry["title"], entry["issuer"], entry["number"], entry["date"]) == (
        "襄垣县推进以县城为重要载体的新型城镇化建设实施方案", "襄垣县人民政府办公室", "襄政办发〔2024〕31号", "2024-08-30")
    assert entry["original"].endswith(".docx") and (plans / entry["original"]).read_bytes() == source.read_bytes()
    assert "序号\t项目名称\t建设内容\t责任单位" in (plans / name).read_text(encoding="utf-8")  # the table as tab-separated rows
    dataset, _ = build_dataset(plans)
    assert len([t for t in dataset.tasks if t.document == name]) == 3
    assert [p.name for p in dataset.projects if p.citation.document == name] == ["襄垣县城市生命线安全工程"]
    assert dataset.documents_by_name[name].original == entry["original"]  # the reader can offer it


def test_pdf_with_a_text_layer_goes_in_with_its_metadata(plans, tmp_path):
    text = county_plan("屯留区", issuer_prefix="长治市屯留区", number="屯政办发〔2024〕12号", date="二〇二四年七月一日")
    source = tmp_path / "屯留区方案.pdf"
    source.write_bytes(pdf_of(text))
    result = add_plan(plans, source)
    assert result.returncode == 0, result.stderr
    assert "PDF text layer" in result.stdout
    name, entry = next((k, v) for k, v in new_entries(plans).items() if v["number"] == "屯政办发〔2024〕12号")
    assert entry["scope_adcode"] == "140405" and entry["date"] == "2024-07-01"
    assert entry["issuer"] == "长治市屯留区人民政府办公室"
    assert entry["title"] == "屯留区推进以县城为重要载体的新型城镇化建设实施方案"
    dataset, report = build_dataset(plans)
    assert next(d for d in report.documents if d.document == name).status == "ok"
    assert len([t for t in dataset.tasks if t.document == name]) == 3


def test_a_scanned_pdf_gets_the_no_text_layer_error(plans, tmp_path):
    source = tmp_path / "扫描件.pdf"
    source.write_bytes(scanned_pdf())
    before = (plans / "manifest.yaml").read_bytes()
    result = add_plan(plans, source)
    assert result.returncode == 2
    assert "扫描件.pdf" in result.stderr and "this PDF has no text layer" in result.stderr and "Traceback" not in result.stderr
    assert (plans / "manifest.yaml").read_bytes() == before


def test_the_same_plan_twice_is_refused_naming_the_one_loaded(plans, tmp_path):
    gu = "002_4ce72fc9d69db8e3.txt"
    again = tmp_path / "again.txt"
    again.write_bytes((ROOT / "plans" / gu).read_text(encoding="utf-8").replace("\n", "\r\n").encode("gb18030"))
    before = (plans / "manifest.yaml").read_bytes()
    result = add_plan(plans, again)
    assert result.returncode == 1 and gu in result.stderr and "same text" in result.stderr
    other = tmp_path / "other.txt"  # another text that carries 古县's 文号
    other.write_text(county_plan("古县", number="古政办发〔2024〕42号", date="2024年9月27日"), encoding="utf-8")
    result = add_plan(plans, other)
    assert result.returncode == 1 and gu in result.stderr and "文号" in result.stderr
    assert (plans / "manifest.yaml").read_bytes() == before


def test_a_scope_the_text_contradicts_or_an_unknown_adcode_is_refused(plans, tmp_path):
    source = tmp_path / "gu.txt"
    source.write_text(county_plan("古县", number="古政办发〔2024〕77号", date="2024年10月9日"), encoding="utf-8")
    result = add_plan(plans, source, "--scope", "141026")  # 安泽县
    assert result.returncode == 1 and "古县" in result.stderr and "141025" in result.stderr
    result = add_plan(plans, source, "--scope", "141099")
    assert result.returncode == 1 and "141099" in result.stderr and "boundary data" in result.stderr
    result = add_plan(plans, source, "--dry-run")
    assert result.returncode == 0 and "141025 古县" in result.stdout and "dry run" in result.stdout


def test_a_text_without_a_place_asks_for_the_scope(plans, tmp_path):
    source = tmp_path / "plain.txt"
    source.write_text("关于推进县城建设的实施方案\n\n一、重点任务\n\n1．推进县城建设。建设一批公共设施。（县住建局）\n", encoding="utf-8")
    result = add_plan(plans, source)
    assert result.returncode == 1 and "--scope" in result.stderr


SEED_METADATA = {
    "000_6ee266aaec99fe33.txt": ("运城市推进以县城为重要载体的城镇化建设行动方案", "运城市人民政府办公室", "运政办发〔2024〕18号", "2024-09-14", "140800", "city"),
    "001_775cef56807c43cc.txt": ("洪洞县推进以县城为重要载体的城镇化建设行动方案", "", "", "", "141024", "county"),
    "002_4ce72fc9d69db8e3.txt": ("古县推进以县城为重要载体的新型城镇化建设行动方案", "古县人民政府办公室", "古政办发〔2024〕42号", "2024-09-27", "141025", "county"),
    "003_ff429491454bc06b.txt": ("晋城市“十四五”新型城镇化规划", "晋城市发展和改革委员会", "晋市发改城交发〔2023〕45号", "2023", "140500", "city"),
    "004_908121938bbe22ca.txt": ("运城市国民经济和社会发展第十四个五年规划和2035年远景目标纲要", "运城市人民政府", "运政发〔2021〕12号", "2021-04-28", "140800", "city"),
}


@pytest.mark.parametrize("name", sorted(SEED_METADATA))
def test_metadata_of_each_seed_plan_as_its_text_prints_it(name):
    lines = (ROOT / "plans" / name).read_text(encoding="utf-8").split("\n")
    meta = detect(lines)
    got = (meta.value("title"), meta.value("issuer"), meta.value("number"), meta.value("date"), meta.value("scope"), meta.scope_level)
    assert got == SEED_METADATA[name]
    manifest = yaml.safe_load((ROOT / "plans" / "manifest.yaml").read_text(encoding="utf-8"))["documents"][name]
    assert list(meta.title_lines) == manifest["title_lines"] and meta.value("kind") == manifest["kind"]
    assert meta.value("task_scope") == manifest["task_scope"]
    for found in (meta.title, meta.issuer, meta.number):
        if found is not None:  # each value shown with the line it came from
            assert found.line_start and found.value in found.quote.replace(" ", "")
    if meta.date is not None:
        assert meta.date.line_start and (parse_date(meta.date.quote) == meta.date.value or meta.date.note)


def test_hongtong_prints_no_issuer_number_or_date_and_none_is_guessed():
    meta = detect((ROOT / "plans" / "001_775cef56807c43cc.txt").read_text(encoding="utf-8").split("\n"))
    assert meta.issuer is None and meta.number is None and meta.date is None


@pytest.mark.parametrize("text,iso", [
    ("2024年9月14日", "2024-09-14"), ("二〇二四年九月十四日", "2024-09-14"), ("二〇二四年十二月三十一日", "2024-12-31"),
    ("二〇二一年四月二十八日", "2021-04-28"), ("二○二三年十月十日", "2023-10-10"), ("2024年13月1日", None),
    ("2024年工作目标", None), ("到2025年9月底", None),
])
def test_dates_in_digits_or_chinese_numerals(text, iso):
    assert parse_date(text) == iso


def test_a_province_plan_goes_in_at_province_level(plans, tmp_path):
    text = "\n".join([
        "山西省人民政府办公厅文件", "", "晋政办发〔2024〕61号", "", "山西省人民政府办公厅", "关于印发山西省县城建设提质行动方案的通知", "",
        "各市、县人民政府，省人民政府各委、办、厅、局：", "", "《山西省县城建设提质行动方案》已经省人民政府同意，现印发给你们，请认真贯彻执行。", "",
        "山西省人民政府办公厅", "", "2024年12月2日", "", "山西省县城建设提质行动方案", "",
        "一、重点任务", "", "（一）实施“安全韧性”的城乡基础设施提档升级行动", "", "1．推进县城基础设施补短板。全省改造老旧管网3000公里。（省住建厅）", "",
    ]) + "\n"
    source = tmp_path / "province.txt"
    source.write_text(text, encoding="utf-8")
    result = add_plan(plans, source)
    assert result.returncode == 0, result.stderr
    name, entry = next((k, v) for k, v in new_entries(plans).items() if v["number"] == "晋政办发〔2024〕61号")
    assert (entry["scope_adcode"], entry["scope_level"], entry["issuer"], entry["date"]) == ("140000", "province", "山西省人民政府办公厅", "2024-12-02")
    assert entry["title"] == "山西省县城建设提质行动方案" and entry["title_lines"] == [16, 16]
    dataset, report = build_dataset(plans)
    assert next(d for d in report.documents if d.document == name).status == "ok"
    tasks = [t for t in dataset.tasks if t.document == name]
    assert len(tasks) == 1 and tasks[0].adcodes == []  # the province's own, never copied onto the counties


# --- refusals in the user's language: each from a real file made here; str() stays the English
# line the CLI prints, describe() gives the same facts in Chinese and English (xiancheng.refusals)

def encrypted_pdf(text: str) -> bytes:
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_of(text))))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def workbook() -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["任务", "责任单位"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def empty_docx() -> bytes:
    import io

    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


def both(error) -> tuple[str, str]:
    from xiancheng.refusals import describe

    return describe(error, "zh"), describe(error, "en")


READ_REFUSALS = [
    ("wrong-extension", "进度表.xls", workbook,
     "无法读取 进度表.xls：本工具不读取 .xls 格式的规划文件。请另存为 .docx、.pdf（含文字）或 .txt 后再添加。",
     "Cannot read 进度表.xls: .xls is not a plan format this tool reads. Save it as .docx, .pdf (with text) or .txt and add it again.",
     "进度表.xls: .xls is not a plan format this tool reads; save it as .docx, .pdf (with text) or .txt"),
    ("no-extension", "古县方案", lambda: county_plan("古县").encode("utf-8"),
     "无法读取 古县方案：文件没有扩展名，本工具只读取 .docx、.pdf（含文字）和 .txt 格式的规划文件。请另存为其中一种后再添加。",
     "Cannot read 古县方案: it has no extension, and this tool reads plans as .docx, .pdf (with text) or .txt. Save it as one of those and add it again.",
     "古县方案: no extension is not a plan format this tool reads"),
    ("empty", "空白.txt", lambda: b"\r\n  \r\n",
     "无法读取 空白.txt：文件是空的。请检查是否选错了文件。", "Cannot read 空白.txt: the file is empty. Check that it is the right file.",
     "空白.txt is empty"),
    ("latin-1", "方案.txt", lambda: "Plan\nline two caf\xe9\n".encode("latin-1"),
     "无法读取 方案.txt：第 2 行（文件偏移 17 字节处）不是 UTF-8、GBK/GB18030 或 UTF-16 编码。"
     "请将文件另存为 UTF-8（记事本：另存为 → 编码 UTF-8）后再添加。\n技术信息：invalid continuation byte",
     "Cannot read 方案.txt: the byte at offset 17, on line 2, fits none of UTF-8, GBK/GB18030 or UTF-16. "
     "Save the file as UTF-8 (in Notepad: 另存为 → 编码 UTF-8) and add it again.\nDetails: invalid continuation byte",
     "方案.txt: byte 17 on line 2 fits none of UTF-8, GBK/GB18030 or UTF-16 (invalid continuation byte)"),
    ("utf-16-cut-off", "方案.txt", lambda: "古县方案".encode("utf-16") + b"\x00\xd8",
     "无法读取 方案.txt：文件开头标明为 UTF-16，但偏移 10 字节处不是 UTF-16 编码。请将文件另存为 UTF-8 后再添加。\n技术信息：unexpected end of data",
     "Cannot read 方案.txt: the file starts like UTF-16 but the byte at offset 10 is not UTF-16. Save it as UTF-8 and add it again.\n"
     "Details: unexpected end of data",
     "方案.txt: the file starts like UTF-16 but byte 10 is not UTF-16 (unexpected end of data)"),
    ("not-a-docx", "方案.docx", lambda: county_plan("古县").encode("utf-8"),
     "无法以 Word .docx 文件打开 方案.docx（BadZipFile）。请用 Word 打开后重新另存为 .docx 再添加。",
     "方案.docx cannot be opened as a Word .docx file (BadZipFile). Open it in Word, save it again as .docx and add that.",
     "方案.docx cannot be opened as a Word .docx file (BadZipFile); open it in Word and save it again as .docx"),
    ("docx-without-text", "空文档.docx", empty_docx,
     "无法读取 空文档.docx：文件中没有文字。请检查是否选错了文件。", "Cannot read 空文档.docx: it holds no text. Check that it is the right file.",
     "空文档.docx holds no text"),
    ("encrypted-pdf", "加密.pdf", lambda: encrypted_pdf(county_plan("古县")),
     "无法读取 加密.pdf：这是受密码保护的 PDF。请另存一份未加密的副本，再添加该副本。",
     "Cannot read 加密.pdf: it is a password-protected PDF. Save an unprotected copy and add that.",
     "加密.pdf is a password-protected PDF; save an unprotected copy and add that"),
    ("scanned-pdf", "扫描件.pdf", scanned_pdf,
     "无法读取 扫描件.pdf：此 PDF 没有文字层（是扫描件或图片），没有可读取的文字。请添加原始 .docx 或文字版，或先对 PDF 进行文字识别（OCR）。",
     "Cannot read 扫描件.pdf: this PDF has no text layer (it is a scan or an image), so there is no text to read. "
     "Add the original .docx or the text version, or run OCR on the PDF first.",
     "扫描件.pdf: this PDF has no text layer (it is a scan or an image)"),
    ("cut-off-pdf", "半截.pdf", lambda: (lambda pdf: pdf[: len(pdf) // 2])(pdf_of(county_plan("古县"))),
     "无法以 PDF 读取 半截.pdf，文件可能已损坏。请重新导出 PDF，或添加原始 .docx 或文字版。\n技术信息：PdfStreamError: Stream has ended unexpectedly",
     "半截.pdf cannot be read as a PDF; the file may be damaged. Export the PDF again, or add the original .docx or the text version.\n"
     "Details: PdfStreamError: Stream has ended unexpectedly",
     "半截.pdf cannot be read as a PDF (PdfStreamError: Stream has ended unexpectedly)"),
]


@pytest.mark.parametrize("name,make,zh,en,log", [r[1:] for r in READ_REFUSALS], ids=[r[0] for r in READ_REFUSALS])
def test_a_file_that_cannot_be_read_is_refused_in_chinese_and_english_with_its_facts(name, make, zh, en, log):
    from xiancheng.ingest import intake

    with pytest.raises(intake.IntakeError) as refused:
        intake.propose(name, make())
    assert both(refused.value) == (zh, en)
    assert str(refused.value).startswith(log)  # the CLI's and the audit's English line is unchanged


def test_a_text_above_the_size_setting_names_its_size_and_the_limit(monkeypatch):
    from xiancheng.ingest import intake

    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", "0.001")  # 1048 bytes
    data = county_plan("古县", number="古政办发〔2024〕77号", date="2024年10月9日").encode("utf-8")
    size = f"{len(data) / 2**20:.3g}"
    with pytest.raises(intake.IntakeError) as refused:
        intake.propose("古县方案.txt", data)
    assert both(refused.value) == (
        f"未添加：古县方案.txt 的文字有 {size} MB，超过规划文件 0.001 MB 的上限（设置项 XIANCHENG_MAX_DOCUMENT_MB）。请拆分文件，或调高该设置。",
        f"Not added: the text of 古县方案.txt is {size} MB, above the 0.001 MB limit for a plan (setting XIANCHENG_MAX_DOCUMENT_MB). "
        "Split the file, or raise the setting.",
    )
    assert len(data) > 1048 and size != "0.001" and str(refused.value) == (
        f"古县方案.txt: its text is {size} MB, above the 0.001 MB limit for a plan (setting XIANCHENG_MAX_DOCUMENT_MB)")


GU_TEXT = county_plan("古县", number="古政办发〔2024〕77号", date="2024年10月9日")
GU_LOADED = "002_4ce72fc9d69db8e3.txt"  # the seed plan of 古县, 古政办发〔2024〕42号

CHECK_REFUSALS = [
    ("another-county", {"scope_adcode": "141026"},
     "所选范围是 临汾市安泽县（141026），但原文标题（第 11 行）写的是“古县”，即 临汾市古县（141025）。请把范围改为 临汾市古县（141025）。",
     "the scope chosen is 临汾市安泽县 (141026), but the title (line 11 of the text) names “古县”, that is 临汾市古县 (141025). "
     "Choose 临汾市古县 (141025) as the scope."),
    ("unknown-adcode", {"scope_adcode": "141099"},
     "范围“141099”不是边界数据中山西省、市或县（市、区）的行政区划代码（县级代码见 geodata/counties.geojson）。",
     "the scope “141099” is not the adcode of Shanxi, a city or a county in the boundary data (the county adcodes are in geodata/counties.geojson)."),
    ("short-adcode", {"scope_adcode": "14"},
     "范围（行政区划代码）“14”无效。\n技术信息：field `scope_adcode`: Value error, scope_adcode must be 6 digits, got '14' (got '14')",
     "Scope (adcode) “14” is not valid.\nDetails: field `scope_adcode`: Value error, scope_adcode must be 6 digits, got '14' (got '14')"),
    ("bad-date", {"date": "2024/10/09"},
     "日期“2024/10/09”既不是 YYYY-MM-DD 格式，也不是年份。", "the date “2024/10/09” is not YYYY-MM-DD or a year."),
    ("title-not-printed", {"title": "古县城镇化方案"},
     "标题“古县城镇化方案”不在原文中，请改为原文所印的标题。", "the title “古县城镇化方案” is not in the text; correct it to the title as printed."),
    ("no-title", {"title": ""}, "原文中未找到标题，请填写规划的标题。", "no title was found in the text; type the plan's title."),
    ("same-number", {"number": "古政办发〔2024〕42号"},
     f"文号“古政办发〔2024〕42号”与已载入的 {GU_LOADED} 相同，同一份文件不重复载入（如两份文件的文号确实不同，请更正文号）。",
     f"the 文号 “古政办发〔2024〕42号” is that of {GU_LOADED}, which is already loaded; a plan is not loaded twice (correct the number if they differ)."),
]


@pytest.mark.parametrize("values,zh,en", [r[1:] for r in CHECK_REFUSALS], ids=[r[0] for r in CHECK_REFUSALS])
def test_what_check_refuses_reads_in_chinese_and_english(plans, values, zh, en):
    from xiancheng.ingest import intake

    proposal = intake.propose("古县方案.txt", GU_TEXT.encode("utf-8"))
    result = intake.check(proposal, intake.corrected(proposal, values), plans)
    assert [both(f) for f in result.errors] == [(zh, en)]
    assert not result.ok and all(str(f) and "。" not in str(f) for f in result.errors)  # the CLI keeps English


def test_a_text_without_a_place_asks_for_the_scope_in_the_users_language(plans):
    from xiancheng.ingest import intake

    plain = "关于推进县城建设的实施方案\n\n一、重点任务\n\n1．推进县城建设。建设一批公共设施。（县住建局）\n"
    proposal = intake.propose("plain.txt", plain.encode("utf-8"))
    [finding] = intake.check(proposal, proposal.fields, plans).errors
    assert both(finding) == ("标题和发文机关中未找到地名，请选择规划的范围（省、市或县的行政区划代码）。",
                             "no place was found in the title or issuer; choose the plan's scope (province, city or county adcode).")
    assert "--scope 141025" in str(finding)  # the CLI's line names its option; the page has a chooser instead


def test_add_refuses_a_loaded_text_and_warns_of_a_near_copy_in_both_languages(plans):
    from xiancheng.ingest import intake

    seed = (ROOT / "plans" / GU_LOADED).read_text(encoding="utf-8")
    before = (plans / "manifest.yaml").read_bytes()
    proposal = intake.propose("again.txt", seed.replace("\n", "\r\n").encode("gb18030"))
    with pytest.raises(intake.IntakeError) as refused:
        intake.add(proposal, proposal.fields, plans)
    assert both(refused.value) == (f"未添加：相同文字的文件 {GU_LOADED} 已载入，同一份文件不重复载入。",
                                   f"Not added: the same text is already loaded as {GU_LOADED}; a plan is not loaded twice.")
    assert f"has the same text as {GU_LOADED}" in str(refused.value)
    assert (plans / "manifest.yaml").read_bytes() == before
    # the same plan with another 文号 and one line changed: added, with a warning
    near = seed.replace("古政办发〔2024〕42号", "古政办发〔2024〕98号").replace("一、总体要求", "一、总体要求（修订）")
    proposal = intake.propose("near.txt", near.encode("utf-8"))
    added = intake.add(proposal, proposal.fields, plans)
    [warning] = added.warnings
    share = f"{warning.params['share']}"
    assert share.endswith("%") and int(share[:-1]) >= 90
    assert both(warning) == (
        f"该文件看起来是 {GU_LOADED} 的副本：较短一份中 {share} 的行也出现在另一份中（是否为转载？）。",
        f"this file looks like a copy of {GU_LOADED}: {share} of the shorter one's lines are in the other (a re-published mirror?).",
    )


def test_a_scope_the_issuer_or_the_typed_title_contradicts_names_where_the_place_is_read(plans):
    from xiancheng.ingest import intake

    issued = "古县人民政府办公室文件\n\n古政办发〔2024〕78号\n\n关于推进县城建设的实施方案\n\n一、重点任务\n\n1．推进县城建设。建设一批公共设施。（县住建局）\n"
    proposal = intake.propose("issued.txt", issued.encode("utf-8"))
    [finding] = intake.check(proposal, intake.corrected(proposal, {"scope_adcode": "141026"}), plans).errors
    assert both(finding) == (
        "所选范围是 临汾市安泽县（141026），但原文的发文机关（第 1 行）是“古县”，即 临汾市古县（141025）。请把范围改为 临汾市古县（141025）。",
        "the scope chosen is 临汾市安泽县 (141026), but the issuer (line 1 of the text) is “古县”, that is 临汾市古县 (141025). "
        "Choose 临汾市古县 (141025) as the scope.")
    # no place in the printed title and no issuer: the title typed on the form is what names the place
    plain = "关于推进县城建设的实施方案\n\n古县推进县城建设。\n\n一、重点任务\n\n1．推进县城建设。建设一批公共设施。（县住建局）\n"
    proposal = intake.propose("plain.txt", plain.encode("utf-8"))
    fields = intake.corrected(proposal, {"scope_adcode": "141026", "title": "古县推进县城建设"})
    [finding] = intake.check(proposal, fields, plans).errors
    assert both(finding) == (
        "所选范围是 临汾市安泽县（141026），但填写的标题写的是“古县”，即 临汾市古县（141025）。请把范围改为 临汾市古县（141025），或更正标题。",
        "the scope chosen is 临汾市安泽县 (141026), but the title typed names “古县”, that is 临汾市古县 (141025). "
        "Choose 临汾市古县 (141025) as the scope, or correct the title.")
    assert "its manifest title (the manifest's title) names 古县 (141025)" in str(finding)  # not "its issuer", as before


# A manifest that does not read as a whole (documents: [], no documents: line, ...): test_intake_safety.


def test_the_audit_record_of_an_add_not_made_names_the_file_and_every_reason(tmp_path):
    from xiancheng.ingest import intake

    plans = seed_plans(tmp_path)
    proposal = intake.propose("古县.txt", county_plan("古县").encode("utf-8"))
    fields = intake.corrected(proposal, {"title": "", "scope_adcode": ""})
    result = intake.check(proposal, fields, plans)
    assert intake.audit_record("古县.txt", result.errors) == ("refused", (
        "古县.txt: no title was found in the text: type the plan's title; no place was found in the title or issuer: "
        "choose the plan's scope (province, city or county adcode), e.g. --scope 141025"))
    (plans / "originals").write_text("not a folder\n", encoding="utf-8")
    gbk = intake.propose("古县.txt", county_plan("古县", number="古政办发〔2024〕77号").encode("gbk"))
    with pytest.raises(intake.IntakeError) as failed:
        intake.add(gbk, gbk.fields, plans)
    assert intake.audit_record("古县.txt", failed.value) == ("failed", (
        f"古县.txt: {plans / 'originals'} could not be written (File exists); nothing was added, the plans folder and "
        "manifest.yaml are as they were"))
    with pytest.raises(OSError) as unexpected:  # an error no one expected: its type is named, the add counts as failed
        (tmp_path / "missing" / "x").read_bytes()
    assert intake.audit_record("古县.txt", unexpected.value) == (
        "failed", f"古县.txt: FileNotFoundError: [Errno 2] No such file or directory: '{tmp_path / 'missing' / 'x'}'")
    outcome, detail = intake.audit_record("古县.txt", result.errors * 40)
    assert outcome == "refused" and len(detail) == intake.AUDIT_DETAIL_LIMIT and detail.startswith("古县.txt: no title")
