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


def add_plan(plans: Path, file: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xiancheng", "--plans-dir", str(plans), "add-plan", str(file), *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
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
