"""Another county's action plan of the same family loads with no code change (issue 3).

The Gu county plan is rewritten as if 沁源县 (长治市) had issued it and listed in a fresh
manifest; neither actions.yaml nor corrections.yaml knows the new file. Everything must
still be found and land on 沁源县: tasks under the canonical actions (matched by their
quoted keyword), targets, the type statement and the citations.
"""

from __future__ import annotations

import hashlib
import re

import pytest
import yaml
from test_ingest_bad_input import GOOD as GU
from test_ingest_bad_input import PLANS, make_plans

from xiancheng.ingest.pipeline import build_dataset

NEW = "910_qinyuan.txt"
QINYUAN, GU_ADCODE = "140431", "141025"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    plans = tmp_path_factory.mktemp("plans")
    text = (PLANS / GU).read_text(encoding="utf-8")
    # Names can be broken over a PDF page or line break ("古", blank line, "县"): rename those too.
    text = re.sub(r"古(\s*)县", r"沁源\1县", text)
    text = re.sub(r"临(\s*)汾", r"长\1治", text)
    (plans / NEW).write_text(text, encoding="utf-8")
    gu_entry = yaml.safe_load((PLANS / "manifest.yaml").read_text(encoding="utf-8"))["documents"][GU]
    entry = {
        "title": gu_entry["title"].replace("古县", "沁源县"),
        "issuer": gu_entry["issuer"].replace("古县", "沁源县"),
        "number": "",
        "date": gu_entry["date"],
        "scope_adcode": QINYUAN,
        "scope_level": "county",
        "kind": "action-plan",
        "sha256": hashlib.sha256((plans / NEW).read_bytes()).hexdigest(),
        "title_lines": gu_entry["title_lines"],
        "task_scope": "scope",
    }
    (plans / "manifest.yaml").write_text(yaml.safe_dump({"documents": {NEW: entry}}, allow_unicode=True), encoding="utf-8")
    gu, _ = build_dataset(make_plans(tmp_path_factory.mktemp("gu"), {}))  # Gu's plan alone
    dataset, report = build_dataset(plans)
    return gu, dataset, report


def test_the_new_plan_loads_cleanly(built):
    _gu, dataset, report = built
    (doc,) = report.documents
    assert doc.document == NEW and doc.status == "ok", doc.issues
    assert [d.scope_adcode for d in dataset.documents] == [QINYUAN]


def test_tasks_land_on_the_new_county_under_the_canonical_actions(built):
    gu, dataset, _report = built
    assert len(dataset.tasks) == len(gu.tasks) == 43
    assert {tuple(t.adcodes) for t in dataset.tasks} == {(QINYUAN,)}
    # Matched by the quoted keyword in each action heading: the same actions as Gu's curated mapping.
    assert [t.action_key for t in dataset.tasks] == [t.action_key for t in gu.tasks]
    assert len({t.action_key for t in dataset.tasks}) == 8 and None not in {t.action_key for t in dataset.tasks}
    renamed = [[u.replace("古县", "沁源县") for u in t.responsible_units] for t in gu.tasks]
    assert [t.responsible_units for t in dataset.tasks] == renamed


def test_targets_and_type_statement_follow_the_new_county(built):
    gu, dataset, _report = built
    assert len(dataset.targets) == len(gu.targets)
    rates = {t.year: t.value for t in dataset.targets if "城镇化率" in t.indicator and t.scope_adcode == QINYUAN}
    gu_rates = {t.year: t.value for t in gu.targets if "城镇化率" in t.indicator and t.scope_adcode == GU_ADCODE}
    assert rates == gu_rates and {2024, 2025, 2027} <= set(rates)
    assert [(c.adcode, c.type) for c in dataset.classifications] == [(QINYUAN, c.type) for c in gu.classifications]
    assert all(c.adcode != GU_ADCODE for c in dataset.classifications)


def test_citations_point_into_the_new_file(built):
    _gu, dataset, _report = built
    (document,) = dataset.documents
    records = [*dataset.tasks, *dataset.targets, *dataset.classifications]
    assert records
    for record in records:
        citation = record.citation
        assert citation.document == NEW and 1 <= citation.line_start <= citation.line_end <= document.line_count
