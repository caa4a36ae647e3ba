"""Adding a plan without editing YAML: a .txt, .docx or .pdf in, a checked manifest entry out.

``propose`` converts the file to text (any encoding and line ends; a .docx paragraph by
paragraph, tables as tab-separated rows; a .pdf from its text layer) and reads the
metadata from the text (ingest.metadata), each value with the line it came from.
``check`` says what would stop the entry from loading (a bad field, an adcode that is not
in the boundary data or not the place the text names, the same text or 文号 already
loaded, the same text in plans/ under an entry that does not load, a manifest that does not
read as a whole) and what is only worth a look (a near-duplicate). ``add`` writes the UTF-8
text into plans/, keeps the original beside it in plans/originals/, and appends the entry
to the manifest, which is re-read before it is replaced; a failed write leaves nothing. Used by the CLI (`python -m
xiancheng add-plan`) and the manage page; never imports Streamlit.

Every refusal has two faces, as the store's do: str() is an English sentence for the CLI and
the audit trail, message_key + params the same for a person (i18n "refusal.<message_key>",
worded by xiancheng.refusals in the page's language).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Optional

from pydantic import ValidationError

from .decoding import DecodeError, decode, split_lines
from .duplicates import Duplicate, compare, fingerprint
from .issues import IngestError
from .manifest import (
    KINDS, MANIFEST_NAME, ORIGINALS_DIR, Manifest, ManifestEntry, _check_adcode, _explain, document_files, parse_manifest,
    read_document,
)
from .metadata import Metadata, detect, level_of

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf")
MIN_PDF_TEXT = 20  # characters: fewer on every page means the PDF is a scan without a text layer
FIELDS = ("title", "issuer", "number", "date", "scope_adcode", "kind")


class IntakeError(ValueError):
    """The file cannot be added; the message names the file and says what to do.

    message_key/params: the same for a person (see the module docstring); a refusal made of
    check() findings has params["problems"], the Findings themselves."""

    def __init__(self, message: str, *, message_key: str | None = None, **params):
        super().__init__(message)
        self.message_key = message_key
        self.params = params


@dataclass(frozen=True)
class Finding:
    """One thing check() found: str() is the English line for the CLI and the audit trail."""

    message: str
    message_key: str
    params: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.message


def _megabytes(size: int) -> str:
    """Bytes as MB, with enough digits that a size just above a small limit does not read as equal."""
    value = size / 2**20
    return f"{value:.2f}" if value >= 1 else f"{value:.3g}"


@dataclass(frozen=True)
class Source:
    """The uploaded file and the text made from it."""

    name: str  # as uploaded, e.g. 古县行动方案.docx
    data: bytes
    text: str  # "\n"-ended lines, UTF-8 when written
    read_as: str  # how it was read: "GBK/GB18030, CRLF", ".docx", "PDF text layer, 12 pages"

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @property
    def lines(self) -> list[str]:
        return split_lines(self.text)

    @property
    def converted(self) -> bool:
        """The text written differs from the bytes given: keep the original beside it."""
        return self.data != self.text.encode("utf-8")


def read_source(name: str, data: bytes) -> Source:
    """Convert an uploaded plan to text; IntakeError with the fix when it cannot be."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IntakeError(f"{name}: {suffix or 'no extension'} is not a plan format this tool reads; save it as .docx, .pdf (with text) or .txt",
                          message_key="intake.format" if suffix else "intake.no_extension", name=name, suffix=suffix)
    if not data.strip():
        raise IntakeError(f"{name} is empty", message_key="intake.empty", name=name)
    if suffix == ".txt":
        try:
            decoded = decode(data)
        except DecodeError as exc:
            key = "intake.undecodable" if exc.byte is None else "intake.not_utf16" if exc.line is None else "intake.encoding"
            raise IntakeError(f"{name}: {exc}", message_key=key, name=name, line=exc.line, byte=exc.byte, detail=exc.reason) from None
        text, read_as = decoded.text, decoded.label
    elif suffix == ".docx":
        text, read_as = _docx_text(name, data), ".docx"
    else:
        text, read_as = _pdf_text(name, data)
    text = "\n".join(line.rstrip() for line in split_lines(text.replace("\r\n", "\n").replace("\r", "\n"))) + "\n"
    if not text.strip():
        raise IntakeError(f"{name} holds no text", message_key="intake.no_text", name=name)
    from ..settings import SettingError, get, max_document_bytes

    try:
        limit = max_document_bytes()
    except SettingError as exc:  # a typo in the deployment's settings: say which and what it holds, not a traceback
        raise IntakeError(f"{name} was not added: {exc}; set it to a positive number of MB (the default is 5) and restart",
                          message_key="intake.bad_setting", name=name, setting=exc.env, value=exc.value) from None
    size = len(text.encode("utf-8"))
    if size > limit:  # the ingest would refuse it: say so now, before anything is written
        setting = f"{float(get('max_document_mb')):g}"  # as set (the limit in bytes is rounded down)
        raise IntakeError(f"{name}: its text is {_megabytes(size)} MB, above the {setting} MB limit for a plan (setting XIANCHENG_MAX_DOCUMENT_MB)",
                          message_key="intake.too_large", name=name, size=_megabytes(size), limit=setting)
    return Source(name, data, text, read_as)


def _docx_text(name: str, data: bytes) -> str:
    """Paragraphs and tables in document order: a table row becomes one line of
    tab-separated cells, which is how the segmenter reads tables."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a file that is not .docx
        raise IntakeError(f"{name} cannot be opened as a Word .docx file ({type(exc).__name__}); open it in Word and save it again as .docx",
                          message_key="intake.not_docx", name=name, detail=type(exc).__name__) from None
    lines = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                lines.append("\t".join(" ".join(cell.text.split()) for cell in row.cells))
    return "\n".join(lines)


def _pdf_text(name: str, data: bytes) -> tuple[str, str]:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IntakeError(f"{name} is a password-protected PDF; save an unprotected copy and add that",
                              message_key="intake.encrypted", name=name)
        pages = [page.extract_text() or "" for page in reader.pages]
    except IntakeError:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise IntakeError(f"{name} cannot be read as a PDF ({type(exc).__name__}: {exc})",
                          message_key="intake.not_pdf", name=name, detail=f"{type(exc).__name__}: {exc}") from None
    if sum(len("".join(page.split())) for page in pages) < MIN_PDF_TEXT:
        raise IntakeError(
            f"{name}: this PDF has no text layer (it is a scan or an image), so there is no text to read. "
            "Add the original .docx or the text version, or run OCR on the PDF first",
            message_key="intake.scan", name=name,
        )
    return "\n".join(pages), f"PDF text layer, {len(pages)} pages"


@dataclass
class Proposal:
    """What add-plan proposes for one file: its text, what was read and the entry."""

    source: Source
    metadata: Metadata
    fields: dict  # the manifest fields as detected (the user may correct them)


def propose(name: str, data: bytes, scope: Optional[str] = None) -> Proposal:
    """Read the file and its metadata; `scope` (an adcode) overrides the detected scope."""
    source = read_source(name, data)
    meta = detect(source.lines)
    return Proposal(source, meta, entry_fields(meta, scope))


def entry_fields(meta: Metadata, scope: Optional[str] = None) -> dict:
    """The manifest fields the metadata gives; empty strings where the text prints nothing."""
    fields = {name: meta.value(name) for name in ("title", "issuer", "number", "date", "kind")}
    fields["scope_adcode"] = scope or meta.value("scope")
    fields["title_lines"] = list(meta.title_lines) if meta.title_lines else None
    task_scope = meta.task_scope
    fields["task_scope"] = task_scope.value if task_scope else ""
    fields["task_scope_lines"] = list(task_scope.lines) if task_scope and task_scope.lines else None
    if scope and meta.scope and scope != meta.scope.value:
        fields["task_scope"] = ""  # chosen by hand: decided from the level below
    return fields


def complete(fields: dict) -> dict:
    """Fields with what follows from them: the level of the scope, the default task scope."""
    fields = dict(fields)
    code = str(fields.get("scope_adcode") or "").strip()
    fields["scope_adcode"] = code
    level = level_of(code) if code else ""
    fields["scope_level"] = level
    if not fields.get("task_scope"):
        fields["task_scope"] = "all-units" if level == "city" else "scope"
        fields["task_scope_lines"] = None
    if fields.get("task_scope") == "scope" and level == "city":
        fields["task_scope"] = "all-units"
    for name in ("title", "issuer", "number", "date", "kind"):
        fields[name] = " ".join(str(fields.get(name) or "").split())
    fields["kind"] = fields["kind"] or "other"
    return fields


@dataclass
class Check:
    errors: list[Finding] = field(default_factory=list)  # the entry is not written
    warnings: list[Finding] = field(default_factory=list)  # written, worth a look
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check(proposal: Proposal, fields: dict, plans_dir: Path, document: str = "(new plan)", *,
          source_path: Optional[Path] = None) -> Check:
    """What would keep the entry from loading, and what only deserves a warning.

    source_path: the file being added when it lies in plans/ itself (the CLI given a .txt
    copied there by hand), which is not a duplicate of itself."""
    from .pipeline import scope_conflict, scope_issue

    result = Check()
    fields = complete(fields)
    lines = proposal.source.lines
    refuse = lambda message, key, **params: result.errors.append(Finding(message, key, params))  # noqa: E731
    # The manifest first: when it does not read as a whole, the duplicate check has nothing to
    # compare with and the entry nowhere safe to go, so the add is refused with its line.
    manifest, unreadable = read_manifest(Path(plans_dir))
    if unreadable is not None:
        result.errors.append(unreadable)
    manifest_errors = len(result.errors)  # the field checks below stop at their own errors, not at this one
    if not fields["title"]:
        refuse("no title was found in the text: type the plan's title", "intake.no_title")
    if not fields["scope_adcode"]:
        refuse("no place was found in the title or issuer: choose the plan's scope (province, city or county adcode), e.g. --scope 141025",
               "intake.no_scope")
    if fields["date"] and not re.fullmatch(r"(19|20)\d{2}(-\d{2}-\d{2})?", fields["date"]):
        refuse(f"date {fields['date']!r} is not YYYY-MM-DD or a year", "intake.bad_date", date=fields["date"])
    if fields.get("title_lines") is None:
        fields["title_lines"] = _find_title(lines, fields["title"])
        if fields["title_lines"] is None and fields["title"]:
            refuse(f"the title {fields['title']!r} is not in the text: correct it to the title as printed",
                   "intake.title_not_in_text", title=fields["title"])
    if len(result.errors) > manifest_errors:
        return result
    try:
        entry = ManifestEntry(document=document, **_manifest_values(fields))
    except ValidationError as exc:  # explained field by field, as for a typed entry
        for err in exc.errors():
            what = _explain(document, 0, {}, err).message.split(": ", 1)[-1]
            name = str(err["loc"][0]) if err.get("loc") else ""
            # pydantic's wording (English) stays as the detail; the field is named in the person's words
            refuse(what, "intake.bad_field", entry_field=name, value=str(fields.get(name, "")), detail=what)
        return result
    problems = _check_adcode(document, 0, entry, {})
    for problem in problems:
        what = problem.message.split(": ", 1)[-1]
        if problem.code == "unknown-adcode":
            refuse(what, "intake.unknown_adcode", adcode=entry.scope_adcode)
        else:  # a level that does not fit the adcode: only a hand-made call gets here (level follows the adcode)
            refuse(what, "intake.bad_scope", adcode=entry.scope_adcode, detail=what)
    if problems:
        return result
    conflict = scope_conflict(lines, entry)
    if conflict is not None:
        label, line, printed, named = conflict
        message = scope_issue(document, entry, conflict).message
        key = {"title": "intake.scope_mismatch.title", "issuer": "intake.scope_mismatch.issuer"}.get(label, "intake.scope_mismatch.typed")
        refuse(message, key, scope=entry.scope_adcode, line=line, printed=printed, named=named)
    if manifest is None:
        return result
    mark = fingerprint(document, lines, fields["number"])
    marks, states, unread = known_fingerprints(Path(plans_dir), manifest, source_path)
    result.errors.extend(unread)
    result.duplicates = compare(mark, marks)
    for duplicate in result.duplicates:
        state = states[duplicate.of]
        params = {"of": duplicate.of, "number": fields["number"], "share": f"{duplicate.share:.0%}", **state}
        if duplicate.how == "text" and state["state"] == "unloaded":  # listed, but its entry or text does not load
            message = (f"{document} has the same text as {duplicate.of}, which is in the plans folder but not loaded: its {MANIFEST_NAME} "
                       f"entry (line {state['line']}) does not load ({state['detail']}); correct that entry instead of adding the plan again")
            result.errors.append(Finding(message, "intake.duplicate.text_unloaded", params))
        elif duplicate.how == "text" and state["state"] == "unlisted":  # never loaded: adding the plan loads it once
            message = (f"the same text is also in the plans folder as {duplicate.of}, which has no {MANIFEST_NAME} entry and is not loaded; "
                       "delete it if it is a leftover")
            result.warnings.append(Finding(message, "intake.duplicate.text_unlisted", params))
        else:
            finding = Finding(duplicate.message(), f"intake.duplicate.{duplicate.how}", params)
            (result.errors if duplicate.refused else result.warnings).append(finding)
    return result


def _find_title(lines: list[str], title: str) -> Optional[list[int]]:
    from .segment import compact

    want = compact(title)
    for i, line in enumerate(lines):
        if want and want in compact(line):
            return [i + 1, i + 1]
    for i in range(len(lines) - 1):
        if want and compact(lines[i]) and want == compact(lines[i] + lines[i + 1]):
            return [i + 1, i + 2]
    return None


def _manifest_values(fields: dict) -> dict:
    """The fields a manifest entry holds, in the manifest's order, without empty optionals."""
    values = {
        "title": fields["title"], "issuer": fields["issuer"], "number": fields["number"], "date": fields["date"],
        "scope_adcode": fields["scope_adcode"], "scope_level": fields["scope_level"], "kind": fields["kind"],
    }
    if fields.get("sha256"):
        values["sha256"] = fields["sha256"]
    values["title_lines"] = list(fields["title_lines"])
    values["task_scope"] = fields["task_scope"]
    if fields.get("task_scope_lines"):
        values["task_scope_lines"] = list(fields["task_scope_lines"])
    if fields.get("original"):
        values["original"] = fields["original"]
    return values


_TOP_LEVEL_KEY = re.compile(r"top-level key `([^`]*)`")


def read_manifest(plans_dir: Path) -> tuple[Optional[Manifest], Optional[Finding]]:
    """The manifest as add() would extend it, or the Finding that says why it cannot be
    (not UTF-8, no `documents:` mapping, a line at its top level that is not `documents:`).
    A missing manifest is an empty one: the first plan's add writes it. An entry it rejects
    does not stop an add (the document is still compared, see known_fingerprints)."""
    path = Path(plans_dir) / MANIFEST_NAME
    shown = str(path)
    fix = f"correct {shown} (a backup or `git diff` shows the last change) and add the plan again"
    if not path.exists():
        return Manifest(), None
    try:
        data = path.read_bytes()
    except OSError as exc:
        detail = exc.strerror or str(exc)
        return None, Finding(f"{shown} cannot be read ({detail}), so the plan cannot be checked against the plans loaded",
                             "intake.manifest.unreadable", {"manifest": shown, "detail": detail})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Finding(f"{shown} line {line}: byte {exc.start} is not UTF-8; save the file as UTF-8 and add the plan again",
                             "intake.manifest.not_utf8", {"manifest": shown, "line": line, "byte": exc.start})
    try:
        manifest = parse_manifest(text)
    except IngestError as exc:
        issue = exc.issue
        if issue.line is None:
            return None, Finding(f"{shown} has no `documents:` line with the entries under it: {fix}",
                                 "intake.manifest.no_documents", {"manifest": shown, "detail": issue.message})
        return None, Finding(f"{shown} line {issue.line}: {issue.message}; {fix}", "intake.manifest.documents_not_mapping",
                             {"manifest": shown, "line": issue.line, "detail": issue.message})
    for issue in manifest.issues:
        key = _TOP_LEVEL_KEY.search(issue.message)
        if key is not None and key.group(1) == "documents":  # typed twice: the entries under the second are not read
            return None, Finding(f"{shown} line {issue.line}: a second `documents:` line; keep one, with every entry under it, and add the plan again",
                                 "intake.manifest.documents_twice", {"manifest": shown, "line": issue.line})
        if key is not None:  # e.g. `documents:` misspelt, or an entry not indented: add() would append where nothing is read
            return None, Finding(f"{shown} line {issue.line}: `{key.group(1)}` is not `documents:` (every entry goes under `documents:`, indented); {fix}",
                                 "intake.manifest.top_level_key", {"manifest": shown, "line": issue.line, "typed": key.group(1)})
    return manifest, None


def known_fingerprints(plans_dir: Path, manifest: Manifest, source_path: Optional[Path] = None):
    """(fingerprints, document → its state, findings) for every document in plans/, loaded or not:
    a document whose entry the manifest rejects, or whose text does not load, would load twice once
    it is fixed; one without an entry is compared too. A document that cannot be read at all is a
    finding (the check cannot be made), never skipped."""
    marks, states, unread = [], {}, []
    skip = Path(source_path).resolve() if source_path is not None else None
    for path in document_files(plans_dir):
        if skip is not None and path.resolve() == skip:
            continue
        entry = manifest.documents.get(path.name)
        line = manifest.entry_lines.get(path.name)
        try:
            if entry is not None:
                try:
                    lines, _ = read_document(path, entry)
                    marks.append(fingerprint(path.name, lines, entry.number))
                    states[path.name] = {"state": "loaded"}
                    continue
                except IngestError as exc:  # listed, but the text does not load (empty, not UTF-8, too large)
                    states[path.name] = {"state": "unloaded", "line": line, "detail": exc.issue.message}
            elif path.name in manifest.rejected:
                detail = "; ".join(i.message for i in manifest.rejected[path.name])
                states[path.name] = {"state": "unloaded", "line": line, "detail": detail}
            else:
                states[path.name] = {"state": "unlisted"}
            marks.append(fingerprint(path.name, _any_lines(path.read_bytes())))
        except OSError as exc:
            detail = exc.strerror or str(exc)
            unread.append(Finding(f"{path} cannot be read ({detail}), so the plan cannot be checked against it",
                                  "intake.plan_unreadable", {"path": str(path), "detail": detail}))
    return marks, states, unread


def _any_lines(data: bytes) -> list[str]:
    """The lines of a document that may not load: in whatever encoding it is, else with the bytes
    no encoding explains replaced (identical texts still compare equal)."""
    try:
        text = decode(data).text
    except DecodeError:
        text = data.decode("utf-8", errors="replace")
    return split_lines(text.replace("\r\n", "\n").replace("\r", "\n"))


LOCK_NAME = ".manifest.lock"


def _open_lock(path: Path) -> tuple[int, bool]:
    """(descriptor, whether this call made the file) of the lock file, made if missing."""
    while True:
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666), True
        except FileExistsError:
            try:
                return os.open(path, os.O_RDWR), False
            except FileNotFoundError:  # removed between the two opens: make it again
                continue


@contextlib.contextmanager
def _manifest_lock(plans_dir: Path):
    """One writer at a time (two administrators adding at once, or the CLI and the app).

    Yields a list: the add appends to it what it leaves written in plans/. A lock file this add
    made is removed again when the add leaves nothing (refused, or a failed write undone), so
    plans/ is as it was.
    It is removed while still locked, so whoever waits on it may hold a file no longer in
    plans/: after taking the lock each add checks that it locked the file the name now points
    to, else takes the lock again on the file there (the usual flock-and-unlink discipline)."""
    path = Path(plans_dir) / LOCK_NAME
    while True:
        try:
            fd, made = _open_lock(path)
        except OSError as exc:  # the folder is missing, read-only or a file: nothing was written yet
            detail = exc.strerror or str(exc)
            raise IntakeError(f"nothing can be written in the plans folder {plans_dir} ({detail}); nothing was added",
                              message_key="intake.folder_unwritable", folder=str(plans_dir), detail=detail) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = os.fstat(fd)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was removed (or replaced) while this add waited: lock the one there now
    wrote: list = []
    try:
        yield wrote
    finally:
        try:
            if made and not wrote:
                with contextlib.suppress(OSError):
                    path.unlink()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def next_name(plans_dir: Path, text: str) -> str:
    """NNN_<first 16 hex of the text's sha256>.txt, numbered after the last document."""
    numbers = [int(m.group(1)) for p in Path(plans_dir).glob("*.txt") if (m := re.match(r"(\d+)_", p.name))]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{max(numbers, default=-1) + 1:03d}_{digest}.txt"


@dataclass
class Added:
    document: str  # file name in plans/
    original: Optional[str]  # relative to plans/, when the file was converted
    line: int  # the entry's line in the manifest
    warnings: list[Finding]


def _entry_text(document: str, values: dict, provenance: str) -> str:
    """The entry as YAML lines under `documents:` (strings double-quoted: no typo can turn
    a date or an adcode into another type)."""
    out = [f"  {document}:", f"    # {provenance}"]
    for key, value in values.items():
        if isinstance(value, list):
            out.append(f"    {key}: [{', '.join(str(int(v)) for v in value)}]")
        elif key in ("scope_level", "kind", "task_scope", "sha256"):
            out.append(f"    {key}: {value}")
        else:
            out.append(f"    {key}: {json.dumps(str(value), ensure_ascii=False)}")
    return "\n".join(out) + "\n"


def _provenance(meta: Metadata, fields: dict) -> str:
    parts = []
    for name, label in (("title", "title"), ("issuer", "issuer"), ("number", "文号"), ("date", "date")):
        found = getattr(meta, name)
        if found is not None and found.value == fields.get(name) and found.line_start:
            parts.append(f"{label} line {found.line_start}")
        elif fields.get(name):
            parts.append(f"{label} typed")
    return f"added by add-plan on {Date.today().isoformat()}; " + (", ".join(parts) or "nothing printed")


def add(proposal: Proposal, fields: dict, plans_dir: Path, *, remove_source: Optional[Path] = None) -> Added:
    """Write the text, the original and the manifest entry; IntakeError (nothing written)
    when check() finds an error or a write fails (a read-only folder, a full disk): each file
    goes in through a hidden temporary renamed into place, and what was written before a
    failure is removed again, so plans/ and the manifest are as they were. The manifest is
    re-read before it is replaced, and not replaced if the new entry does not come back valid."""
    plans_dir = Path(plans_dir)
    with _manifest_lock(plans_dir) as wrote:
        source = proposal.source
        document = next_name(plans_dir, source.text)
        result = check(proposal, fields, plans_dir, document, source_path=remove_source)
        if not result.ok:
            raise IntakeError("; ".join(map(str, result.errors)), message_key="intake.refused", problems=result.errors)
        fields = complete(fields)
        if fields.get("title_lines") is None:
            fields["title_lines"] = _find_title(source.lines, fields["title"])
        text_bytes = source.text.encode("utf-8")
        fields["sha256"] = hashlib.sha256(text_bytes).hexdigest()
        original = None
        if source.converted:
            original = f"{ORIGINALS_DIR}/{Path(document).stem}{source.suffix}"
            fields["original"] = original
        manifest_path = plans_dir / MANIFEST_NAME
        # check() read it as UTF-8 (or found none): a new manifest starts with its documents: line
        head = manifest_path.read_bytes().decode("utf-8") if manifest_path.exists() else "documents:\n"
        if not head.endswith("\n"):
            head += "\n"
        entry = _entry_text(document, _manifest_values(fields), _provenance(proposal.metadata, fields))
        new_text = head + entry
        try:
            reread = parse_manifest(new_text)
        except IngestError as exc:  # the manifest as a whole does not read with the entry
            raise IntakeError(f"{MANIFEST_NAME} could not take the entry: {exc.issue.message}", message_key="intake.manifest_entry",
                              manifest=MANIFEST_NAME, detail=exc.issue.message) from None
        if document not in reread.documents:
            rejected = "; ".join(i.message for i in reread.rejected.get(document, []))
            # the manifest parser's own words (English) are the detail under a translated headline
            raise IntakeError(f"{MANIFEST_NAME} could not take the entry: {rejected or 'the entry did not read back'}",
                              message_key="intake.manifest_entry" if rejected else "intake.manifest_lost",
                              manifest=MANIFEST_NAME, detail=rejected)
        # Nothing is written before this point; from here every file written is undone on failure.
        written: list[Path] = []
        try:
            _write_whole(plans_dir / document, text_bytes, written)
            if original:
                folder = plans_dir / ORIGINALS_DIR
                if not folder.is_dir():
                    _try(folder, folder.mkdir)
                    written.append(folder)
                _write_whole(plans_dir / original, source.data, written)
            _write_whole(manifest_path, new_text.encode("utf-8"), None)  # last: the entry appears with its files in place
            wrote.append(manifest_path)
        except BaseException:
            left = _undo(written)
            if left:  # a second failure while undoing: say what to delete by hand
                wrote.extend(left)
                raise IntakeError(f"could not undo a failed add: delete {', '.join(map(str, left))} by hand",
                                  message_key="intake.left_behind", left=[str(p) for p in left]) from None
            raise
        _sync_folder(plans_dir)
        if remove_source is not None and original and Path(remove_source).resolve().parent == plans_dir.resolve():
            Path(remove_source).unlink(missing_ok=True)  # a hand-placed file in plans/: now kept under originals/
        line = new_text.count("\n") - entry.count("\n") + 1
        return Added(document, original, line, result.warnings)


# Why an add did not happen, for the audit trail: the disk stopped it ("failed"), or the plan,
# the manifest or the folder's contents did ("refused"). Bounded, as every audit detail is.
_WRITE_FAILURES = frozenset({"intake.folder_unwritable", "intake.write_failed", "intake.left_behind"})
AUDIT_DETAIL_LIMIT = 1000


def audit_record(name: str, why) -> tuple[str, str]:
    """(outcome, detail) of the audit entry for an add of the file `name` that did not happen.

    why: check()'s errors (a list of Findings), the IntakeError add() raised, or an error
    nobody expected (outcome "failed", its type named). The detail is "<name>: <why>" in the
    English the CLI prints; add()'s own refusal reads like check()'s ("; " between findings)."""
    if isinstance(why, (list, tuple)):
        outcome, text = "refused", "; ".join(map(str, why))
    elif isinstance(why, IntakeError):
        outcome, text = ("failed" if why.message_key in _WRITE_FAILURES else "refused"), str(why)
    else:
        outcome, text = "failed", f"{type(why).__name__}: {why}"
    return outcome, f"{name}: {text}"[:AUDIT_DETAIL_LIMIT]


def _try(path: Path, action, *args):
    """action(*args), an OSError of which is the refusal naming path (the file the person knows)."""
    try:
        return action(*args)
    except OSError as exc:
        detail = exc.strerror or str(exc)
        raise IntakeError(f"{path} could not be written ({detail}); nothing was added, the plans folder and {MANIFEST_NAME} are as they were",
                          message_key="intake.write_failed", path=str(path), detail=detail) from None


def _write_whole(path: Path, data: bytes, written: Optional[list]) -> None:
    """data as path, complete or not at all: into a hidden temporary beside it, on the disk
    (fsync), then renamed over path. written: where path is noted once it exists (None for
    the manifest, which replaces itself and is never removed). A file replaced keeps its mode."""
    tmp = path.with_name(f".{path.name}.tmp")

    def write() -> None:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # the file replaced keeps its mode (an administrator's 0640 or group 0664), not the
        # temporary's umask default; its owner is not carried over (only root could)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)

    try:
        _try(path, write)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    if written is not None:
        written.append(path)


def _undo(written: list[Path]) -> list[Path]:
    """Remove what a failed add wrote, newest first; what could not be removed."""
    left = []
    for path in reversed(written):
        try:
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        except OSError:
            left.append(path)
    return left


def _sync_folder(folder: Path) -> None:
    """The renames on the disk too (a power cut after an add keeps it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def corrected(proposal: Proposal, values: dict) -> dict:
    """The proposal's fields with the user's corrections; a corrected title is looked up
    again in the text (its lines), a corrected scope decides the task scope anew."""
    fields = dict(proposal.fields)
    for name, value in values.items():
        if value is None:
            continue
        value = str(value).strip()
        if name == "title" and value != fields.get("title"):
            fields["title_lines"] = None
        if name == "scope_adcode" and value != fields.get("scope_adcode"):
            fields["task_scope"], fields["task_scope_lines"] = "", None
        fields[name] = value
    return fields
