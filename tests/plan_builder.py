"""Build plan documents and their manifest inside a test: new texts, never copies of the seeds."""

from __future__ import annotations

from pathlib import Path

import yaml


def write_plans(folder: Path, documents: dict[str, tuple[dict, str]]) -> Path:
    """A plans folder holding each document's text and one manifest listing them all.

    documents: file name → (manifest fields, text). The text's first line is its title.
    """
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for name, (fields, text) in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
        manifest[name] = {"title": text.splitlines()[0], "kind": "action-plan", "title_lines": [1, 1], **fields}
    (folder / "manifest.yaml").write_text(yaml.safe_dump({"documents": manifest}, allow_unicode=True), encoding="utf-8")
    return folder


def city_plan(city: str, *, task_scope: str = "county-towns") -> dict:
    return {"scope_adcode": city, "scope_level": "city", "task_scope": task_scope}


def county_plan(county: str) -> dict:
    return {"scope_adcode": county, "scope_level": "county", "task_scope": "scope"}


def province_plan() -> dict:
    return {"scope_adcode": "140000", "scope_level": "province", "task_scope": "scope"}


def assert_clean(report, name: str) -> None:
    """The document loaded and nothing in it is an error (the seeds' corrections do not apply here)."""
    doc = next(d for d in report.documents if d.document == name)
    assert doc.status == "ok" and not [i for i in doc.issues if i.severity == "error"], doc.issues
