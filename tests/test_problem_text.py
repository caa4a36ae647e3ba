"""Build problems and warnings in the reader's language: every code the package raises has
Chinese and English words (walked from the source), and plans written here that trigger each
kind read exactly in both, as functions and on the documents page and its banner (AppTest)."""

from __future__ import annotations

import ast
import functools
import json
from pathlib import Path

import pytest
from plan_builder import city_plan, write_plans
from plan_builder import county_plan as county_fields
from plan_factory import county_plan
from streamlit.testing.v1 import AppTest

from xiancheng.dataset import Dataset
from xiancheng.i18n import STRINGS
from xiancheng.ingest import pipeline
from xiancheng.problem_text import describe

PACKAGE = Path(__file__).resolve().parent.parent / "xiancheng"
ISSUE_MAKERS = {"error": 2, "warning": 2, "warn": 1}  # function name → position of the code argument
TIMEOUT = 60
# Issue-making calls whose code comes from another function that the walk reads instead.
PASSED_ON = {("read_document", "code")}  # decoding.describe_problem's returned codes


# --- every code that can reach the page has words ---------------------------------------------

def _constants(node) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _code_values(node) -> set[str] | None:
    """The codes an argument can be: a literal, or either branch of a conditional; None when
    it is computed (then the test cannot know the code and says so)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _code_values(node.body), _code_values(node.orelse)
        return None if a is None or b is None else a | b
    return None


def raised_codes_and_forms() -> tuple[dict[str, str], list[tuple[str, set[str], set[str]]], list[str]]:
    """From the package source: {code: where}, per function (where, codes, forms), and the
    issue-making calls whose code is not a literal."""
    codes: dict[str, str] = {}
    functions = []
    computed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            where = f"{path.relative_to(PACKAGE.parent)}:{func.lineno} {func.name}"
            own_codes, forms = set(), set()
            params = {a.arg for a in func.args.posonlyargs + func.args.args}
            assigned = {t.id: _code_values(n.value) for n in ast.walk(func) if isinstance(n, ast.Assign)
                        for t in n.targets if isinstance(t, ast.Name)}
            for node in ast.walk(func):
                if isinstance(node, ast.Call):
                    name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else ""
                    if name in ISSUE_MAKERS and len(node.args) > ISSUE_MAKERS[name] and path.parts[-2] == "ingest":
                        arg = node.args[ISSUE_MAKERS[name]]
                        found = _code_values(arg)
                        if found is None and isinstance(arg, ast.Name):
                            if arg.id in params or (func.name, arg.id) in PASSED_ON:
                                continue  # the callers' (or PASSED_ON's) codes, walked there
                            found = assigned.get(arg.id)
                        if found is None:
                            computed.append(f"{where} line {node.lineno}")
                        else:
                            own_codes |= found
                    if name == "unparsed_fragment" and len(node.args) >= 4:
                        own_codes.add("unparsed")
                        forms |= _constants(node.args[3])
                    for keyword in node.keywords:
                        if keyword.arg == "form":
                            forms |= _constants(keyword.value)
                elif isinstance(node, ast.Dict):
                    for key, value in zip(node.keys, node.values):
                        if isinstance(key, ast.Constant) and key.value == "form":
                            forms |= _constants(value)
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and target.slice.value == "form":
                            forms |= _constants(node.value)
                elif isinstance(node, ast.Return) and func.name == "describe_problem" and isinstance(node.value, ast.Tuple):
                    own_codes |= _code_values(node.value.elts[0]) or set()
            for code in own_codes:
                codes.setdefault(code, where)
            if forms and path.parts[-2] == "ingest":
                functions.append((where, own_codes, forms))
    return codes, functions, computed


def test_every_code_raised_in_the_source_has_chinese_and_english_words():
    codes, functions, computed = raised_codes_and_forms()
    assert not computed, f"issue codes that are not literals (give each its literal): {computed}"
    # the walk finds what the brief names, so it is not vacuous
    assert {"citation-quote", "unknown-adcode", "unknown-unit", "count-dropped", "unresolved-county", "type-statement-unread",
            "unparsed", "unresolved-place", "correction", "correction-kind", "manifest-entry", "sha256-mismatch", "not-utf8",
            "line-endings", "duplicate-text", "duplicate-number", "near-duplicate", "scope-mismatch"} <= set(codes)
    missing = [f"problem.{code} ({where})" for code, where in sorted(codes.items())
               if f"problem.{code}" not in STRINGS or not all(STRINGS[f"problem.{code}"])]
    assert not missing, f"codes without words in i18n.py: {missing}"
    unworded = [f"{where}: form {form!r} of {sorted(own)}" for where, own, found in functions for form in sorted(found)
                if not any(f"problem.{code}.{form}" in STRINGS for code in own)]
    assert not unworded, f"sentences missing in i18n.py: {unworded}"


def test_a_code_without_words_fails_the_walk(tmp_path, monkeypatch):
    """The walk sees a new code: a module raising one i18n has no words for is found."""
    module = tmp_path / "xiancheng" / "ingest" / "newcheck.py"
    module.parent.mkdir(parents=True)
    module.write_text('from .issues import warning\n\n\ndef check(name):\n    return [warning(name, None, "brand-new-code", "new")]\n',
                      encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "xiancheng")
    codes, _, _ = raised_codes_and_forms()
    assert codes == {"brand-new-code": "xiancheng/ingest/newcheck.py:4 check"}
    assert "problem.brand-new-code" not in STRINGS


# --- plans written here that trigger each kind -----------------------------------------------

CITY_TEXT = (
    "运城市推进以县城为重要载体的新型城镇化建设实施方案\n\n一、县城分类\n\n文旅赋能型县城：新绛县、垣曲县、桃源县\n\n"
    "二、重点任务\n\n1．推进县城建设。完善基础设施。（市住建局）\n"
)
CORRECTIONS = """corrections:
  - id: wrong-quote
    action: set
    kind: tasks
    reason: a curator cites the title line for the first task
    match: {document: b_jishan.txt, number: "1"}
    set:
      citation: {document: b_jishan.txt, line_start: 1, line_end: 1, quote: 这句话不在原文中}
  - id: no-such-town
    action: drop
    kind: towns
    reason: a town that is in no plan
    match: {name: 不存在镇}
"""
BAD_ENTRY = '  e_level.txt:\n    title: 绛县推进以县城为重要载体的新型城镇化建设实施方案\n    scope_adcode: "140826"\n    scope_level: town\n    kind: action-plan\n    title_lines: [1, 2]\n'


def problem_plans(tmp_path: Path) -> tuple[Path, Path]:
    """A plans folder where each kind of problem happens once, and its corrections file."""
    plans = write_plans(tmp_path / "plans", {
        "a_city.txt": (city_plan("140800"), CITY_TEXT),  # 桃源县 is no Shanxi county
        "b_jishan.txt": ({**county_fields("140824"), "sha256": "0" * 64}, county_plan("稷山县")),  # edited after listing
        "c_copy.txt": (county_fields("140824"), county_plan("稷山县")),  # the same text again
        "f_gbk.txt": (county_fields("140427"), county_plan("壶关县")),  # re-saved as GBK below
        "g_gone.txt": (county_fields("140429"), county_plan("武乡县")),  # deleted below
        "h_empty.txt": (county_fields("140430"), county_plan("沁县")),  # emptied below
        "i_gu.txt": ({**county_fields("141026"), "title_lines": [17, 18]},  # 古县's plan filed under 安泽县
                     county_plan("古县", number="古政办发〔2024〕99号", date="2024年10月8日")),
    })
    (plans / "f_gbk.txt").write_bytes(county_plan("壶关县").encode("gbk"))
    (plans / "g_gone.txt").unlink()
    (plans / "h_empty.txt").write_bytes(b"")
    (plans / "d_unlisted.txt").write_text(county_plan("绛县"), encoding="utf-8")
    (plans / "e_level.txt").write_text(county_plan("绛县"), encoding="utf-8")
    (plans / "notes.docx").write_bytes(b"PK\x03\x04")
    (plans / "manifest.yaml").write_text((plans / "manifest.yaml").read_text(encoding="utf-8") + BAD_ENTRY, encoding="utf-8")
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text(CORRECTIONS, encoding="utf-8")
    return plans, corrections


def manifest_line(plans: Path, text: str) -> int:
    return next(i + 1 for i, line in enumerate((plans / "manifest.yaml").read_text(encoding="utf-8").split("\n")) if line.strip() == text)


def expected(plans: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(document, code) → (Chinese, English), as the page must show them."""
    level_line = manifest_line(plans, "scope_level: town")
    digest = __import__("hashlib").sha256(county_plan("稷山县").encode("utf-8")).hexdigest()
    zeros = "0" * 64
    return {
        ("a_city.txt", "unresolved-county"): ("县名“桃源县”不在地名对照表中，未计入类型。",
                                              "The county name “桃源县” is not in the alias table; it is not counted in a type."),
        ("b_jishan.txt", "sha256-mismatch"): (
            f"文件 b_jishan.txt 的 sha256 为 {digest}，manifest.yaml 记录的是 {zeros}：文件在登记后被改动过。请核对后更新 manifest.yaml 中的 sha256。",
            f"The sha256 of b_jishan.txt is {digest}, manifest.yaml says {zeros}: the file changed after it was listed. "
            "Check it, then update sha256 in manifest.yaml."),
        ("b_jishan.txt", "citation-quote"): (
            "一条任务记录的引文“这句话不在原文中”不在所引的第1行中，该记录未发布。请核对引用的行号或引文。",
            "A task record's quote “这句话不在原文中” is not in the cited line 1; it is not published. Check the cited lines or the quote."),
        ("c_copy.txt", "duplicate-text"): ("c_copy.txt 与已载入的 b_jishan.txt 文字相同，同一份文件不重复载入。",
                                           "c_copy.txt has the same text as b_jishan.txt, which is already loaded: it is not loaded twice."),
        ("corrections.yaml", "correction"): ("更正 no-such-town：没有记录符合条件（name: 不存在镇），未应用。",
                                             "Correction no-such-town: no record matches (name: 不存在镇); it is not applied."),
        ("d_unlisted.txt", "not-in-manifest"): (
            "文件 d_unlisted.txt 没有列入 manifest.yaml。请用 python -m xiancheng add-plan 添加，或手工列入。",
            "Document d_unlisted.txt is not listed in manifest.yaml: add it with python -m xiancheng add-plan, or list it by hand."),
        ("e_level.txt", "manifest-entry"): (
            f"e_level.txt 未载入：它在 manifest.yaml 中的条目有错误，见 manifest.yaml 第{level_line}行的问题。",
            f"e_level.txt is skipped: its entry in manifest.yaml has errors; see the problem on line {level_line} of manifest.yaml."),
        ("f_gbk.txt", "not-utf8"): (
            "文件 f_gbk.txt 的编码是 GBK/GB18030，不是 UTF-8。请用 python -m xiancheng add-plan 转换（保留原文件），或另存为 UTF-8。",
            "Document f_gbk.txt is encoded as GBK/GB18030, not UTF-8. Convert it with python -m xiancheng add-plan "
            "(which keeps the original), or save it as UTF-8."),
        ("g_gone.txt", "missing-document"): ("g_gone.txt 列在 manifest.yaml 中，但 plans 文件夹里没有这个文件。",
                                             "g_gone.txt is listed in manifest.yaml but is not in plans/."),
        ("h_empty.txt", "empty-file"): ("文件 h_empty.txt 是空的。", "Document h_empty.txt is empty."),
        ("i_gu.txt", "scope-mismatch"): (
            "i_gu.txt 登记的范围是 临汾市安泽县（141026），但其标题（第11行）写的是 古县（141025）。"
            "修改方法：在 manifest.yaml 中改为 scope_adcode: \"141025\"，或更正标题。",
            "i_gu.txt is filed under 临汾市安泽县 (141026), but its title (line 11) names 古县 (141025). "
            "Fix: set scope_adcode: \"141025\" in manifest.yaml, or correct the title."),
        ("manifest.yaml", "manifest-entry"): (
            "条目 e_level.txt：字段 scope_level 的值“town”不在可选值中（province, city, county）。",
            "Entry e_level.txt: field scope_level is “town”, which is not one of province, city, county."),
        ("notes.docx", "not-a-text-document"): (
            "plans/ 中的 notes.docx 未读取：只读取 .txt 规划。请用 python -m xiancheng add-plan notes.docx 添加，它会把 .docx 和 .pdf 转换为文本。",
            "notes.docx in plans/ is not read: only .txt plans are. Add it with python -m xiancheng add-plan notes.docx, "
            "which converts .docx and .pdf to text."),
        ("manifest.yaml", "level-line"): (str(level_line), str(level_line)),
    }


def test_each_kind_of_problem_reads_in_chinese_and_english(tmp_path):
    plans, corrections = problem_plans(tmp_path)
    dataset, report = pipeline.build_dataset(plans, corrections_path=corrections)
    want = expected(plans)
    level_line = int(want.pop(("manifest.yaml", "level-line"))[0])
    shown = {(w.document, w.code): (describe(w, "zh"), describe(w, "en")) for w in dataset.warnings
             if w.code not in ("unparsed", "task-without-units")}
    assert shown == want
    assert next(w.line for w in dataset.warnings if w.document == "manifest.yaml") == level_line
    # the English message stays as the CLI prints it
    quote = next(i for i in report.all_issues if i.code == "citation-quote")
    assert str(quote) == "b_jishan.txt:1: error: tasks quote not found in lines 1-1: '这句话不在原文中' [citation-quote]"
    assert quote.to_dict() == {"document": "b_jishan.txt", "line": 1, "severity": "error", "code": "citation-quote",
                               "message": "tasks quote not found in lines 1-1: '这句话不在原文中'"}


def test_facts_not_kept_show_the_headline_with_the_english_beneath(tmp_path):
    """A dataset.json from before facts were kept still loads; its problems read as the code's
    headline with the English message quoted beneath. So does an error whose words are YAML's."""
    plans, corrections = problem_plans(tmp_path)
    dataset, _ = pipeline.build_dataset(plans, corrections_path=corrections)
    raw = json.loads(pipeline.dataset_json(dataset))
    for warning in raw["warnings"]:
        del warning["facts"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    read = Dataset.read(old)
    empty = next(w for w in read.warnings if w.code == "empty-file")
    assert empty.facts == {}
    assert describe(empty, "zh") == "文件是空的\n技术信息（英文原文）：document h_empty.txt is empty"
    assert describe(empty, "en") == "Empty document\nDetails: document h_empty.txt is empty"
    # a correction refused by the record model: pydantic's words, as the detail
    bad = tmp_path / "bad.yaml"
    bad.write_text("corrections:\n  - id: bad-year\n    action: set\n    kind: tasks\n    reason: r\n"
                   "    match: {document: b_jishan.txt, number: \"2\"}\n    set: {years: [twenty]}\n", encoding="utf-8")
    dataset, _ = pipeline.build_dataset(plans, corrections_path=bad)
    (refused,) = [w for w in dataset.warnings if w.code == "correction"]
    assert refused.facts == {"id": "bad-year"}
    zh, en = describe(refused, "zh"), describe(refused, "en")
    assert zh.startswith("更正未能应用\n技术信息（英文原文）：correction bad-year: ") and "years" in zh
    assert en == "Correction not applied\nDetails: " + refused.message


# --- the documents page and its banner ----------------------------------------------------------

@pytest.fixture
def problem_app(app_on, monkeypatch, tmp_path):
    plans, corrections = problem_plans(tmp_path)
    # the app builds with the corrections written here (the seeds' would not apply to these plans)
    monkeypatch.setattr(pipeline, "build_dataset", functools.partial(pipeline.build_dataset, corrections_path=corrections))
    app_on(plans)
    return plans


def run_documents(lang: str | None, doc: str | None = None) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if lang:
        app.query_params["lang"] = lang
    if doc:
        app.query_params["doc"] = doc
    app.switch_page("pages/documents.py").run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("lang", [None, "en"])
def test_documents_page_and_banner_word_each_problem_in_the_language(problem_app, lang):
    plans = problem_app
    want = expected(plans)
    want.pop(("manifest.yaml", "level-line"))
    pick = 1 if lang == "en" else 0
    app = run_documents(lang, doc="b_jishan.txt")
    banner = app.dataframe[0].value
    errors = {key: texts[pick] for key, texts in want.items()
              if key not in {("a_city.txt", "unresolved-county"), ("b_jishan.txt", "sha256-mismatch"), ("notes.docx", "not-a-text-document")}}
    assert sorted(zip(banner["document"], banner["message"])) == sorted((doc, text) for (doc, _), text in errors.items())
    info = " ".join(i.value for i in app.info)
    assert (f"{len(errors)} problems kept some documents from loading" if lang else f"有 {len(errors)} 处问题使部分文件未能载入") in info
    # the chosen document's own warnings and errors, worded, with the severity in words
    table = app.dataframe[1].value
    assert list(zip(table["severity"], table["code"], table["message"])) == [
        ("warning" if lang else "警告", "sha256-mismatch", want[("b_jishan.txt", "sha256-mismatch")][pick]),
        ("error" if lang else "错误", "citation-quote", want[("b_jishan.txt", "citation-quote")][pick]),
    ] + [(s, c, m) for s, c, m in zip(table["severity"], table["code"], table["message"]) if c == "task-without-units"]
    other = run_documents(lang, doc="a_city.txt").dataframe[1].value
    row = other[other["code"] == "unresolved-county"].iloc[0]
    assert row["message"] == want[("a_city.txt", "unresolved-county")][pick] and row["line"] == 5
