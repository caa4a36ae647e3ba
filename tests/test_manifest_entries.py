"""One bad manifest entry never hides the others; duplicates and wrong scopes are refused;
a failed build never replaces the last good one (issue 12 items 2–4, issue 9 items 1, 3, 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from plan_factory import county_plan

from xiancheng.dataset import Dataset
from xiancheng.ingest.manifest import parse_manifest
from xiancheng.ingest.pipeline import build_dataset, load_or_build
from xiancheng.settings import ROOT

PLANS = ROOT / "plans"
SEEDS = sorted(p.name for p in PLANS.glob("*.txt"))
SEED_TASKS = 73 + 33 + 43


def seed_plans(tmp_path: Path) -> Path:
    plans = tmp_path / "plans"
    plans.mkdir()
    for name in SEEDS + ["manifest.yaml"]:
        shutil.copy(PLANS / name, plans / name)
    return plans


def entry_text(name: str, county: str, adcode: str, **override) -> str:
    """A manifest entry as a person types it; override values are written verbatim."""
    fields = {
        "title": f"{county}推进以县城为重要载体的新型城镇化建设实施方案",
        "scope_adcode": f'"{adcode}"', "scope_level": "county", "kind": "action-plan", "title_lines": "[1, 2]",
    }
    fields.update(override)
    body = "".join(f"    {key}: {value}\n" for key, value in fields.items() if value is not None)
    return f"  {name}:\n{body}"


# (file name, county printed in the text, entry as typed, expected code, field line offset in entry)
BROKEN = [
    ("910_date.txt", "沁水县", entry_text("910_date.txt", "沁水县", "140521", date="2024-09-14"), "manifest-entry", "date"),
    ("911_adcode.txt", "阳城县", entry_text("911_adcode.txt", "阳城县", "140522", scope_adcode="140522"), "manifest-entry", "scope_adcode"),
    ("912_tab.txt", "陵川县", entry_text("912_tab.txt", "陵川县", "140524").replace("    kind:", "\tkind:"), "manifest-yaml", "kind"),
    ("913_missing.txt", "泽州县", entry_text("913_missing.txt", "泽州县", "140525", title=None), "manifest-entry", None),
    ("914_unknown.txt", "高平市", entry_text("914_unknown.txt", "高平市", "140581", titel="x"), "manifest-entry", "titel"),
    ("915_province.txt", "平顺县", entry_text("915_province.txt", "平顺县", "140425", scope_level="province"), "manifest-entry", "scope_level"),
    ("916_noadcode.txt", "黎城县", entry_text("916_noadcode.txt", "黎城县", "140499"), "unknown-adcode", "scope_adcode"),
]
GOOD_NEW = ("920_good.txt", "壶关县", "140427")


def broken_plans(tmp_path: Path) -> Path:
    plans = seed_plans(tmp_path)
    manifest = (plans / "manifest.yaml").read_text(encoding="utf-8")
    for name, county, text, _, _ in BROKEN:
        (plans / name).write_text(county_plan(county), encoding="utf-8")
        manifest += text
    name, county, adcode = GOOD_NEW
    (plans / name).write_text(county_plan(county), encoding="utf-8")
    manifest += entry_text(name, county, adcode)
    (plans / "manifest.yaml").write_text(manifest, encoding="utf-8")
    return plans


def line_of(plans: Path, entry: str, fieldname: str | None = None) -> int:
    """The line of an entry's key, or of one of its fields."""
    lines = (plans / "manifest.yaml").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == entry + ":")
    if fieldname is None:
        return start + 1
    return next(i for i in range(start + 1, len(lines)) if lines[i].strip().startswith(fieldname + ":")) + 1


def test_one_broken_entry_of_each_kind_skips_only_that_entry(tmp_path):
    plans = broken_plans(tmp_path)
    dataset, report = build_dataset(plans)
    # the five seeds and the good new plan load; each broken entry is skipped
    assert sorted(d.document for d in dataset.documents) == sorted(SEEDS + [GOOD_NEW[0]])
    assert len(dataset.tasks) == SEED_TASKS + 3
    assert {t.scope_adcode for t in dataset.tasks if t.document == GOOD_NEW[0]} == {GOOD_NEW[2]}
    by_doc = {d.document: d for d in report.documents}
    for name, _county, _text, code, fieldname in BROKEN:
        assert by_doc[name].status == "failed", name
        problems = [i for i in report.issues if name in i.message]
        assert problems and problems[0].code == code, (name, problems)
        issue = problems[0]
        assert issue.document == "manifest.yaml"
        expected_line = line_of(plans, name, fieldname)
        assert issue.line == expected_line, (name, issue)
        assert "Fix" in issue.message or "fix" in issue.message or "not a county" in issue.message, issue.message
    messages = {name: next(i.message for i in report.issues if name in i.message) for name, *_ in BROKEN}
    assert 'date: "2024-09-14"' in messages["910_date.txt"]  # the fix, ready to paste
    assert 'scope_adcode: "140522"' in messages["911_adcode.txt"]
    assert "tab" in messages["912_tab.txt"]
    assert "`title` is missing" in messages["913_missing.txt"]
    assert "did you mean `title`" in messages["914_unknown.txt"]
    assert "province" in messages["915_province.txt"]
    assert "140499" in messages["916_noadcode.txt"] and "boundary data" in messages["916_noadcode.txt"]


def test_a_tab_that_breaks_the_whole_yaml_still_loads_every_other_entry(tmp_path):
    plans = broken_plans(tmp_path)
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load((plans / "manifest.yaml").read_text(encoding="utf-8"))
    reading = parse_manifest((plans / "manifest.yaml").read_text(encoding="utf-8"))
    assert set(SEEDS) <= set(reading.documents) and GOOD_NEW[0] in reading.documents
    assert set(reading.rejected) == {name for name, *_ in BROKEN}


def test_duplicate_document_key_names_both_lines(tmp_path):
    plans = seed_plans(tmp_path)
    text = (plans / "manifest.yaml").read_text(encoding="utf-8")
    hongtong = "001_775cef56807c43cc.txt"
    # 洪洞县's plan listed again under 清徐县: it must not silently move
    text += entry_text(hongtong, "清徐县", "140121")
    (plans / "manifest.yaml").write_text(text, encoding="utf-8")
    first, second = [i + 1 for i, line in enumerate(text.split("\n")) if line.strip() == hongtong + ":"]
    dataset, report = build_dataset(plans)
    issue = next(i for i in report.issues if i.code == "manifest-duplicate")
    assert f"lines {first} and {second}" in issue.message and hongtong in issue.message
    assert hongtong not in {d.document for d in dataset.documents}
    assert not any(t.scope_adcode == "140121" for t in dataset.tasks)
    assert len(dataset.documents) == 4


def test_duplicate_field_names_both_lines(tmp_path):
    text = "documents:\n" + entry_text("a.txt", "壶关县", "140427") + '    scope_adcode: "140121"\n'
    reading = parse_manifest(text)
    (issue,) = reading.issues
    assert issue.code == "manifest-duplicate" and "lines 4 and 8" in issue.message and "scope_adcode" in issue.message
    assert not reading.documents


def test_scope_that_disagrees_with_the_title_is_an_error_naming_the_place(tmp_path):
    plans = seed_plans(tmp_path)
    (plans / "930_gu.txt").write_text(county_plan("古县", number="古政办发〔2024〕99号", date="2024年10月8日"), encoding="utf-8")
    # 古县's plan filed under 安泽县 (141026)
    (plans / "manifest.yaml").write_text((plans / "manifest.yaml").read_text(encoding="utf-8") + entry_text(
        "930_gu.txt", "古县", "141026", title_lines="[17, 18]"), encoding="utf-8")
    dataset, report = build_dataset(plans)
    bad = next(d for d in report.documents if d.document == "930_gu.txt")
    (issue,) = bad.issues
    assert bad.status == "failed" and issue.code == "scope-mismatch"
    assert "古县" in issue.message and "141025" in issue.message and "141026" in issue.message
    assert issue.line == 11  # the notice's 《…》 title, the first place the text names its county
    assert len(dataset.documents) == 5


def test_same_text_or_same_number_is_refused_and_a_mirror_warned(tmp_path):
    plans = seed_plans(tmp_path)
    manifest = (plans / "manifest.yaml").read_text(encoding="utf-8")
    gu = "002_4ce72fc9d69db8e3.txt"
    original = (PLANS / gu).read_bytes()
    # the same text again, with other whitespace and line ends
    (plans / "940_again.txt").write_bytes(original.replace(b"\n", b"\r\n").replace("。".encode(), " 。".encode()))
    gu_entry = yaml.safe_load((PLANS / "manifest.yaml").read_text(encoding="utf-8"))["documents"][gu]
    fields = {k: v for k, v in gu_entry.items() if k != "sha256"}
    manifest += yaml.safe_dump({"x": {"940_again.txt": fields}}, allow_unicode=True).split("\n", 1)[1]
    # another text with 古县's 文号
    (plans / "941_number.txt").write_text(county_plan("古县", number="古政办发〔2024〕42号", date="2024年9月27日"), encoding="utf-8")
    manifest += entry_text("941_number.txt", "古县", "141025", number="古政办发〔2024〕42号", title_lines="[17, 18]")
    # a mirror: a new county plan re-published with two extra lines
    text = county_plan("壶关县", extra=6)
    (plans / "942_plan.txt").write_text(text, encoding="utf-8")
    (plans / "943_mirror.txt").write_text("转载自壶关县人民政府网站\n" + text + "（来源：壶关县融媒体中心）\n", encoding="utf-8")
    manifest += entry_text("942_plan.txt", "壶关县", "140427") + entry_text("943_mirror.txt", "壶关县", "140427", title_lines="[2, 3]")
    (plans / "manifest.yaml").write_text(manifest, encoding="utf-8")
    dataset, report = build_dataset(plans)
    by_doc = {d.document: d for d in report.documents}
    assert by_doc["940_again.txt"].status == "failed" and by_doc["940_again.txt"].issues[0].code == "duplicate-text"
    assert gu in by_doc["940_again.txt"].issues[0].message
    assert by_doc["941_number.txt"].issues[0].code == "duplicate-number" and gu in by_doc["941_number.txt"].issues[0].message
    assert by_doc["943_mirror.txt"].status == "ok"
    near = [i for i in by_doc["943_mirror.txt"].issues if i.code == "near-duplicate"]
    assert near and "942_plan.txt" in near[0].message and near[0].severity == "warning"
    assert sorted(d.document for d in dataset.documents) == sorted(SEEDS + ["942_plan.txt", "943_mirror.txt"])


@pytest.mark.parametrize("name,data,code,words", [
    ("950_gbk.txt", county_plan("壶关县").encode("gbk"), "not-utf8", ["GBK", "add-plan"]),
    ("951_utf16.txt", county_plan("壶关县").encode("utf-16"), "not-utf8", ["UTF-16", "add-plan"]),
    ("952_cr.txt", county_plan("壶关县").replace("\n", "\r").encode("utf-8"), "line-endings", ["line ends", "CR"]),
])
def test_a_hand_placed_text_in_another_encoding_fails_with_the_fix(tmp_path, name, data, code, words):
    plans = seed_plans(tmp_path)
    (plans / name).write_bytes(data)
    (plans / "manifest.yaml").write_text((plans / "manifest.yaml").read_text(encoding="utf-8") + entry_text(name, "壶关县", "140427"), encoding="utf-8")
    dataset, report = build_dataset(plans)
    bad = next(d for d in report.documents if d.document == name)
    assert bad.status == "failed" and bad.issues[0].code == code
    assert all(word in bad.issues[0].message for word in words), bad.issues[0].message
    assert len(dataset.documents) == 5


@pytest.mark.parametrize("name,data", [
    ("953_bom.txt", b"\xef\xbb\xbf" + county_plan("壶关县").encode("utf-8")),
    ("954_crlf.txt", county_plan("壶关县").replace("\n", "\r\n").encode("utf-8")),
])
def test_bom_and_crlf_texts_load(tmp_path, name, data):
    plans = seed_plans(tmp_path)
    (plans / name).write_bytes(data)
    (plans / "manifest.yaml").write_text((plans / "manifest.yaml").read_text(encoding="utf-8") + entry_text(name, "壶关县", "140427"), encoding="utf-8")
    dataset, report = build_dataset(plans)
    doc = next(d for d in dataset.documents if d.document == name)
    assert doc.citation.quote == "壶关县推进以县城为重要载体的新型城镇化建设实施方案"
    assert len([t for t in dataset.tasks if t.document == name]) == 3


def test_a_failed_build_never_replaces_the_last_good_one(tmp_path):
    plans = seed_plans(tmp_path)
    path = tmp_path / "build" / "dataset.json"
    good = load_or_build(path, plans)
    assert len(good.documents) == 5 and good.rejected_build is None
    good_bytes = path.read_bytes()
    # a tab typed into one entry: that entry's document is lost by the new build
    manifest = (plans / "manifest.yaml").read_text(encoding="utf-8")
    (plans / "manifest.yaml").write_text(manifest.replace("    kind: five-year-plan", "\tkind: five-year-plan"), encoding="utf-8")
    served = load_or_build(path, plans)
    assert path.read_bytes() == good_bytes  # not overwritten
    assert len(served.documents) == 5 and len(served.tasks) == len(good.tasks)
    assert served.rejected_build.lost_documents == ["004_908121938bbe22ca.txt"]
    assert any("tab" in p.message and p.line for p in served.problems)
    # a new, clean document is added next to the broken entry: still nothing is lost
    (plans / "manifest.yaml").write_text(manifest, encoding="utf-8")
    (plans / "960_new.txt").write_text(county_plan("壶关县"), encoding="utf-8")
    (plans / "manifest.yaml").write_text(manifest + entry_text("960_new.txt", "壶关县", "140427"), encoding="utf-8")
    fixed = load_or_build(path, plans)
    assert fixed.rejected_build is None and len(fixed.documents) == 6
    assert len(Dataset.read(path).documents) == 6


def test_a_clean_removal_replaces_the_build(tmp_path):
    plans = seed_plans(tmp_path)
    manifest = (plans / "manifest.yaml").read_text(encoding="utf-8")
    (plans / "960_new.txt").write_text(county_plan("壶关县"), encoding="utf-8")
    (plans / "manifest.yaml").write_text(manifest + entry_text("960_new.txt", "壶关县", "140427"), encoding="utf-8")
    path = tmp_path / "dataset.json"
    assert len(load_or_build(path, plans).documents) == 6
    # file and entry removed, nothing broken: the smaller build is the good one
    (plans / "960_new.txt").unlink()
    (plans / "manifest.yaml").write_text(manifest, encoding="utf-8")
    served = load_or_build(path, plans)
    assert served.rejected_build is None and len(served.documents) == 5 and len(Dataset.read(path).documents) == 5
