"""The ingestion pipeline: plans/ → segment → parse → corrections → checks → one Dataset.

Public entry points:

- ``build_dataset(plans_dir=None) -> (Dataset, Report)`` reads every document in the
  manifest, never stops at a bad document (it is listed in the report with file and line),
  and returns the validated dataset with the report.
- ``load_or_build(path=None, plans_dir=None) -> Dataset`` is what the app calls (through its
  cache): it reads the built dataset at ``path`` (default ``settings.DATASET_PATH``) when its
  recorded input hashes match the current documents, manifest and curated YAML; otherwise it
  builds, writes ``path`` and returns the new dataset. A rerun of the app therefore never
  re-parses unless an input changed.

The pipeline never imports Streamlit, folium or the map modules.
"""

from __future__ import annotations

import gc
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..dataset import AppliedCorrection, BuildWarning, Dataset, Document
from .checks import check_counts, check_record, valid_adcodes
from .classify import parse_classifications, parse_positionings, parse_towns
from .context import Context
from .corrections import CORRECTIONS_PATH, apply_corrections, load_corrections, record_key
from .issues import IngestError, Issue, error, warning
from .manifest import MANIFEST_NAME, ManifestEntry, check_size, document_files, load_manifest, read_document
from .projects import parse_projects
from .segment import segment
from .targets import parse_targets
from .tasks import ACTIONS_PATH, load_actions, parse_tasks

RECORD_KINDS = ("classifications", "positionings", "tasks", "targets", "projects", "towns")
COUNT_NAMES = ("sections", "tasks", "targets", "projects", "classifications", "positionings", "towns", "unresolved_mentions", "unparsed", "warnings")


@dataclass
class DocumentReport:
    document: str
    status: str = "ok"  # ok / failed
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    unparsed: list[tuple[int, str]] = field(default_factory=list)
    unresolved: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "document": self.document,
            "status": self.status,
            "counts": self.counts,
            "issues": [i.to_dict() for i in self.issues],
            "unparsed": [{"line": line, "text": text} for line, text in self.unparsed],
            "unresolved_mentions": [{"line": line, "name": name} for line, name in self.unresolved],
        }


@dataclass
class Report:
    documents: list[DocumentReport] = field(default_factory=list)
    corrections: list[AppliedCorrection] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)  # not tied to one document's parse

    @property
    def all_issues(self) -> list[Issue]:
        return [i for d in self.documents for i in d.issues] + self.issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.all_issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "documents": [d.to_dict() for d in self.documents],
            "corrections": [c.model_dump() for c in self.corrections],
            "issues": [i.to_dict() for i in self.issues],
        }


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_hashes(plans_dir: Path, corrections_path: Path = CORRECTIONS_PATH, actions_path: Path = ACTIONS_PATH) -> dict[str, str]:
    """sha256 of every input of a build: the documents, the manifest and the curated YAML."""
    hashes = {f"plans/{p.name}": _sha(p) for p in document_files(plans_dir)}
    manifest = Path(plans_dir) / MANIFEST_NAME
    if manifest.exists():
        hashes[f"plans/{MANIFEST_NAME}"] = _sha(manifest)
    hashes["ingest/corrections.yaml"] = _sha(corrections_path)
    hashes["ingest/actions.yaml"] = _sha(actions_path)
    return dict(sorted(hashes.items()))


def ingest_document(path: Path, entry: Optional[ManifestEntry], taxonomy) -> tuple[dict[str, list], DocumentReport, Optional[Context]]:
    """Parse one document; a document that cannot be read gives an empty result and a report."""
    report = DocumentReport(Path(path).name)
    records: dict[str, list] = {kind: [] for kind in RECORD_KINDS}
    try:
        check_size(path)
        lines, issues = read_document(path, entry)
    except IngestError as exc:
        report.status = "failed"
        report.issues.append(exc.issue)
        report.counts = {name: 0 for name in COUNT_NAMES}
        report.counts["warnings"] = 1
        return records, report, None
    ctx = Context(entry, segment(entry.document, lines), list(issues))
    records["tasks"] = parse_tasks(ctx, taxonomy)
    targets, used_tables = parse_targets(ctx)
    records["targets"] = targets
    projects, used_project_tables = parse_projects(ctx, records["tasks"], taxonomy)
    records["projects"] = projects
    records["classifications"] = parse_classifications(ctx)
    records["positionings"] = parse_positionings(ctx)
    records["towns"] = parse_towns(ctx)
    for block in ctx.seg.blocks:
        used = used_tables | used_project_tables
        if block.kind == "table" and id(block) not in used and not _is_town_table(block):
            for row in block.rows:
                ctx.unparsed_fragment(row.line, row.text, "table row of a table no parser reads")
    report.issues = ctx.issues
    report.unparsed = ctx.unparsed
    report.unresolved = sorted(set(ctx.unresolved))
    report.counts = {
        "sections": len(ctx.seg.headings),
        "tasks": len(records["tasks"]),
        "targets": len(records["targets"]),
        "projects": len(records["projects"]),
        "classifications": len(records["classifications"]),
        "positionings": len(records["positionings"]),
        "towns": len(records["towns"]),
        "unresolved_mentions": len(report.unresolved),
        "unparsed": len(ctx.unparsed),
        "warnings": len(ctx.issues),
    }
    return records, report, ctx


def _is_town_table(block) -> bool:
    return bool(block.rows) and block.rows[0].cells[0].strip().startswith("试点县")


@contextmanager
def _collector_paused():
    """The build makes hundreds of thousands of small objects and frees few before it ends;
    Python's cyclic collector re-scanning them cost about a fifth of the build (bench_ingest)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_collector_paused()
def build_dataset(
    plans_dir: Optional[Path] = None,
    *,
    corrections_path: Path = CORRECTIONS_PATH,
    actions_path: Path = ACTIONS_PATH,
    previous: Optional[Dataset] = None,
) -> tuple[Dataset, Report]:
    """Build the dataset from plans_dir (default settings.PLANS_DIR); see the module docstring."""
    from ..settings import PLANS_DIR

    plans_dir = Path(plans_dir or PLANS_DIR)
    report = Report()
    try:
        manifest = load_manifest(plans_dir)
    except IngestError as exc:
        report.issues.append(exc.issue)
        return Dataset(inputs=input_hashes(plans_dir, corrections_path, actions_path)), report
    taxonomy = load_actions(Path(actions_path))
    present = {p.name: p for p in document_files(plans_dir)}
    for name in manifest.documents:
        if name not in present:
            report.issues.append(error(name, None, "missing-document", f"{name} is listed in {MANIFEST_NAME} but not in {plans_dir}"))
    records: dict[str, list] = {kind: [] for kind in RECORD_KINDS}
    documents: list[Document] = []
    contexts: dict[str, Context] = {}
    for name, path in present.items():
        entry = manifest.documents.get(name)
        doc_records, doc_report, ctx = ingest_document(path, entry, taxonomy)
        report.documents.append(doc_report)
        if ctx is None:
            continue
        contexts[name] = ctx
        for kind in RECORD_KINDS:
            records[kind].extend(doc_records[kind])
        a, b = entry.title_lines
        documents.append(
            Document(
                document=name,
                title=entry.title,
                issuer=entry.issuer,
                number=entry.number,
                date=entry.date,
                scope_adcode=entry.scope_adcode,
                scope_level=entry.scope_level,
                kind=entry.kind,
                sha256=_sha(path),
                line_count=len(ctx.seg.lines),
                citation=ctx.cite_lines(a, b),
            )
        )

    def quote_of(document: str, first: int, last: int) -> Optional[str]:
        ctx = contexts.get(document)
        if ctx is None or not (1 <= first <= last <= len(ctx.seg.lines)):
            return None
        return ctx.seg.quote_of(first, last)

    corrections = apply_corrections(records, load_corrections(Path(corrections_path)), quote_of)
    report.corrections = corrections.applied
    report.issues.extend(corrections.issues)

    # checks: a record that fails is not published; the failure is in the report
    adcodes = valid_adcodes()
    by_doc = {d.document: d for d in report.documents}

    def cleaned_lines_of(document: str):
        ctx = contexts.get(document)
        return ctx.seg.cleaned if ctx else None

    for kind in RECORD_KINDS:
        kept = []
        for record in records[kind]:
            problems = check_record(kind, record, cleaned_lines_of, adcodes)
            target = by_doc.get(record.citation.document)
            (target.issues if target else report.issues).extend(problems)
            if not any(p.severity == "error" for p in problems):
                kept.append(record)
        records[kind] = sorted(kept, key=lambda r: (r.citation.document, r.citation.line_start, r.citation.line_end))
    for doc_report in report.documents:
        # published counts: after corrections and checks
        for kind in RECORD_KINDS:
            if doc_report.status == "ok":
                doc_report.counts[kind] = sum(1 for r in records[kind] if r.citation.document == doc_report.document)
        doc_report.counts["warnings"] = len(doc_report.issues)
    if previous is not None:
        report.issues.extend(check_counts({d.document: d.counts for d in report.documents}, _counts_of(previous)))

    dataset = Dataset(
        documents=sorted(documents, key=lambda d: d.document),
        warnings=[
            BuildWarning(document=i.document, line=i.line, severity=i.severity, code=i.code, message=i.message)
            for i in report.all_issues
        ],
        corrections=report.corrections,
        inputs=input_hashes(plans_dir, corrections_path, actions_path),
        **records,
    )
    # validate the whole dataset the way the app will read it (the same JSON values, without
    # the indent: json's C encoder does not indent, and the indented dump was a sixth of the build)
    dataset = Dataset.model_validate_json(json.dumps(dataset.model_dump(mode="json"), ensure_ascii=False))
    return dataset, report


def _counts_of(dataset: Dataset) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for kind in RECORD_KINDS:
        for record in getattr(dataset, kind):
            doc = counts.setdefault(record.citation.document, {})
            doc[kind] = doc.get(kind, 0) + 1
    return counts


def dataset_json(dataset: Dataset) -> str:
    """Deterministic JSON of a dataset: the same inputs give the same bytes."""
    return json.dumps(dataset.model_dump(mode="json"), ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write_dataset(dataset: Dataset, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dataset_json(dataset), encoding="utf-8")
    tmp.replace(path)


def load_or_build(path: Optional[Path] = None, plans_dir: Optional[Path] = None) -> Dataset:
    """The built dataset at path if it is up to date with its inputs, else a fresh build (written to path)."""
    from ..settings import DATASET_PATH, PLANS_DIR

    path = Path(path or DATASET_PATH)
    plans_dir = Path(plans_dir or PLANS_DIR)
    current = input_hashes(plans_dir)
    if path.exists():
        try:
            dataset = Dataset.read(path)
            if dataset.inputs == current:
                return dataset
        except (ValueError, OSError):
            pass  # unreadable or from an older schema: rebuild
    dataset, _ = build_dataset(plans_dir)
    try:
        write_dataset(dataset, path)
    except OSError:
        pass  # a read-only deployment still gets the dataset, just not cached on disk
    return dataset
