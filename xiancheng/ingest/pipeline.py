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

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .. import collector
from ..dataset import AppliedCorrection, BuildWarning, Dataset, Document, RejectedBuild
from .checks import check_counts, check_record, valid_adcodes
from .classify import parse_classifications, parse_positionings, parse_towns
from .context import Context
from .corrections import CORRECTIONS_PATH, apply_corrections, load_corrections, record_key
from .issues import IngestError, Issue, error, warning
from .duplicates import compare, fingerprint
from .manifest import MANIFEST_NAME, ManifestEntry, document_files, load_manifest, other_files, read_document
from .metadata import detect, place_of
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


def _failed(report: "DocumentReport", issue: Issue) -> None:
    report.status = "failed"
    report.issues.append(issue)
    report.counts = {name: 0 for name in COUNT_NAMES}
    report.counts["warnings"] = len(report.issues)


def scope_conflict(lines: list[str], entry: ManifestEntry) -> Optional[tuple[str, Optional[int], str, str]]:
    """(what names it: "title"/"issuer"/"manifest title", its line or None, the place as printed,
    that place's adcode) when the document's own title or issuer names another place than
    its scope_adcode; None when they agree or name no place."""
    meta = detect(lines)
    for source, label in ((meta.title, "title"), (meta.issuer, "issuer"), (None, "manifest title")):
        if source is None:  # the text prints no title (or issuer): what was read is the entry's title
            label = "manifest title"
        text = source.value if source is not None else entry.title
        place = place_of(text)
        if place is None:
            continue
        adcode, printed = place
        if adcode == entry.scope_adcode:
            return None
        return label, (source.line_start if source is not None else None), printed, adcode
    return None


def scope_disagreement(name: str, lines: list[str], entry: ManifestEntry) -> Optional[Issue]:
    """An error when the document's own title or issuer names another place than its
    scope_adcode (a 古县 plan filed under 安泽县 would put its tasks on the wrong county)."""
    conflict = scope_conflict(lines, entry)
    return None if conflict is None else scope_issue(name, entry, conflict)


def scope_issue(name: str, entry: ManifestEntry, conflict: tuple[str, Optional[int], str, str]) -> Issue:
    """The scope_conflict as the loading error, with the fix."""
    from .. import geo

    label, line, printed, adcode = conflict
    where = f"line {line} of the text" if line else f"the manifest's title"
    return error(
        name, line, "scope-mismatch",
        f"{name} is filed under scope_adcode {entry.scope_adcode} ({geo.place_name(entry.scope_adcode)}), "
        f"but its {label} ({where}) names {printed} ({adcode}). Fix: set scope_adcode: \"{adcode}\" in {MANIFEST_NAME}, "
        "or correct the title",
        form={"title": "title", "issuer": "issuer"}.get(label, "manifest-title"),
        name=name, filed=entry.scope_adcode, printed=printed, named=adcode,
    )


def ingest_document(path: Path, entry: Optional[ManifestEntry], taxonomy, lines: Optional[list[str]] = None) -> tuple[dict[str, list], DocumentReport, Optional[Context]]:
    """Parse one document; a document that cannot be read gives an empty result and a report."""
    report = DocumentReport(Path(path).name)
    records: dict[str, list] = {kind: [] for kind in RECORD_KINDS}
    issues: list[Issue] = []
    if lines is None:
        try:
            lines, issues = read_document(path, entry)
        except IngestError as exc:
            _failed(report, exc.issue)
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
                ctx.unparsed_fragment(row.line, row.text, "table row of a table no parser reads", "table-unread")
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


# The build makes hundreds of thousands of small objects and frees few before it ends: the
# collector re-scanning them cost about a fifth of the build (bench_ingest).
@collector.paused()
def build_dataset(
    plans_dir: Optional[Path] = None,
    *,
    corrections_path: Path = CORRECTIONS_PATH,
    actions_path: Path = ACTIONS_PATH,
    previous: Optional[Dataset] = None,
) -> tuple[Dataset, Report]:
    """Build the dataset from plans_dir (default settings.PLANS_DIR); see the module docstring.

    settings.SettingError, before anything is read, when the document size limit
    (XIANCHENG_MAX_DOCUMENT_MB) is not a positive number: no document could be judged."""
    from ..settings import PLANS_DIR, max_document_bytes

    max_document_bytes()
    plans_dir = Path(plans_dir or PLANS_DIR)
    report = Report()
    try:
        manifest = load_manifest(plans_dir)
    except IngestError as exc:
        report.issues.append(exc.issue)
        return Dataset(inputs=input_hashes(plans_dir, corrections_path, actions_path)), report
    report.issues.extend(manifest.issues)
    taxonomy = load_actions(Path(actions_path))
    present = {p.name: p for p in document_files(plans_dir)}
    for name in manifest.documents:
        if name not in present:
            report.issues.append(error(name, None, "missing-document", f"{name} is listed in {MANIFEST_NAME} but not in {plans_dir}",
                                       name=name, folder=plans_dir.name))
    for path in other_files(plans_dir):
        report.issues.append(warning(
            path.name, None, "not-a-text-document",
            f"{path.name} in {plans_dir.name}/ is not read: only .txt plans are; add it with `python -m xiancheng add-plan {path.name}`, "
            "which converts .docx and .pdf to text",
            name=path.name, folder=plans_dir.name,
        ))
    records: dict[str, list] = {kind: [] for kind in RECORD_KINDS}
    documents: list[Document] = []
    contexts: dict[str, Context] = {}
    loaded = []  # fingerprints of the documents loaded so far, for duplicates
    for name, path in present.items():
        entry = manifest.documents.get(name)
        doc_report = DocumentReport(name)
        if entry is None and name in manifest.rejected:
            first = manifest.rejected[name][0]
            _failed(doc_report, error(name, None, "manifest-entry", f"{name} is skipped: its entry in {MANIFEST_NAME} has errors ({first.message})",
                                      form="skipped", name=name, at=first.line or 0))
            report.documents.append(doc_report)
            continue
        try:
            lines, read_issues = read_document(path, entry)
        except IngestError as exc:
            _failed(doc_report, exc.issue)
            report.documents.append(doc_report)
            continue
        mismatch = scope_disagreement(name, lines, entry)
        if mismatch is not None:
            _failed(doc_report, mismatch)
            report.documents.append(doc_report)
            continue
        mark = fingerprint(name, lines, entry.number)
        found = compare(mark, loaded)
        if found and found[0].refused:
            code = "duplicate-text" if found[0].how == "text" else "duplicate-number"  # a literal: i18n has words for each
            _failed(doc_report, error(name, None, code, found[0].message(), name=name, of=found[0].of))
            report.documents.append(doc_report)
            continue
        loaded.append(mark)
        doc_records, doc_report, ctx = ingest_document(path, entry, taxonomy, lines)
        doc_report.issues[:0] = read_issues + [
            warning(name, None, "near-duplicate", d.message(), name=name, of=d.of, share=round(d.share, 4)) for d in found]
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
                original=entry.original,
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
            BuildWarning(document=i.document, line=i.line, severity=i.severity, code=i.code, message=i.message, facts=i.facts)
            for i in report.all_issues
        ],
        corrections=report.corrections,
        inputs=input_hashes(plans_dir, corrections_path, actions_path),
        **records,
    )
    # validate the whole dataset the way the app will read it: the same JSON values, written
    # by pydantic's own serializer (model_dump + json.dumps took twice as long)
    dataset = Dataset.model_validate_json(dataset.model_dump_json())
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
    return json.dumps(dataset.model_dump(mode="json", exclude={"rejected_build"}), ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write_dataset(dataset: Dataset, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dataset_json(dataset), encoding="utf-8")
    tmp.replace(path)


def lost_documents(previous: Dataset, built: Dataset) -> list[str]:
    """Documents of the previous build that the new one no longer has."""
    kept = {d.document for d in built.documents}
    return sorted(d.document for d in previous.documents if d.document not in kept)


def load_or_build(path: Optional[Path] = None, plans_dir: Optional[Path] = None) -> Dataset:
    """The built dataset at path if it is up to date with its inputs, else a fresh build.

    The last good build is never replaced by a worse one: a build with errors that loses
    any document of the previous build is not written; the previous dataset is served,
    carrying that build's errors in ``rejected_build`` so the app can say what went wrong.
    A build that only adds documents, or loses some cleanly (file and entry removed, no
    error), replaces it.

    A document size setting (XIANCHENG_MAX_DOCUMENT_MB) that is not a positive number stops
    every build: the dataset at path is served as it is (an empty one when there is none),
    nothing is written, and ``rejected_build`` names the setting and its value.
    """
    from ..settings import DATASET_PATH, PLANS_DIR, SettingError, max_document_bytes

    path = Path(path or DATASET_PATH)
    plans_dir = Path(plans_dir or PLANS_DIR)
    current = input_hashes(plans_dir)
    previous: Optional[Dataset] = None
    if path.exists():
        try:
            previous = Dataset.read(path)
        except (ValueError, OSError):
            previous = None  # unreadable or from an older schema: rebuild
    try:
        max_document_bytes()
    except SettingError as exc:  # said even when the build on disk is current: an add is refused for it too
        served = previous if previous is not None else Dataset()
        return served.model_copy(update={"rejected_build": RejectedBuild(
            problems=served.problems, inputs=current, setting=exc.env, value=exc.value,
        )})
    if previous is not None and previous.inputs == current:
        return previous
    dataset, report = build_dataset(plans_dir, previous=previous)
    if previous is not None and not report.ok:
        lost = lost_documents(previous, dataset)
        if lost:
            return previous.model_copy(update={"rejected_build": RejectedBuild(
                lost_documents=lost,
                problems=[w for w in dataset.warnings if w.severity == "error"],
                inputs=current,
            )})
    try:
        write_dataset(dataset, path)
    except OSError:
        pass  # a read-only deployment still gets the dataset, just not cached on disk
    return dataset
