"""The plans manifest (plans/manifest.yaml), read entry by entry, and reading a document's text.

One bad entry never hides the others: the manifest is split into its entries (one per
document) before YAML reads them, so a tab, an unquoted date, a missing or unknown field in
one entry is reported with its line, field, what is wrong and how to fix it, and only that
entry is skipped. Duplicate keys (a document listed twice, a field given twice) are errors
naming both lines, never "the last one wins".
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Literal, Optional, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .decoding import describe_problem
from .issues import IngestError, Issue, error, warning

MANIFEST_NAME = "manifest.yaml"
DOCUMENT_GLOB = "*.txt"
ORIGINALS_DIR = "originals"  # what add-plan was given (.docx, .pdf, a GBK .txt), beside the text it made
KINDS = ("action-plan", "urbanisation-plan", "five-year-plan", "other")


class ManifestEntry(BaseModel):
    """What the manifest says about one document (see the comment atop manifest.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str
    title: str
    issuer: str = ""
    number: str = ""
    date: str = ""
    scope_adcode: str
    scope_level: Literal["province", "city", "county"]
    kind: str
    sha256: str = ""
    title_lines: tuple[int, int]
    task_scope: Literal["county-towns", "all-units", "scope"] = "scope"
    task_scope_lines: Optional[tuple[int, int]] = None
    original: str = ""  # the file add-plan converted, relative to plans/ (e.g. originals/005_….docx)

    @field_validator("scope_adcode")
    @classmethod
    def _adcode(cls, value: str) -> str:
        if not (len(value) == 6 and value.isdigit()):
            raise ValueError(f"scope_adcode must be 6 digits, got {value!r}")
        return value

    @field_validator("original")
    @classmethod
    def _original(cls, value: str) -> str:
        if value and not re.fullmatch(rf"{ORIGINALS_DIR}/[^/\\]+", value) or ".." in value:
            raise ValueError(f"original must be a file in {ORIGINALS_DIR}/ (like {ORIGINALS_DIR}/005_….docx), got {value!r}")
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title is empty")
        return value

    @property
    def city_adcode(self) -> Optional[str]:
        """The city the document belongs to: names in it are resolved relative to this city.
        None for a province plan: a name several cities share stays unresolved there."""
        if self.scope_level == "province":
            return None
        return self.scope_adcode[:4] + "00"


ENTRY_FIELDS = tuple(name for name in ManifestEntry.model_fields if name != "document")
REQUIRED_FIELDS = tuple(name for name, info in ManifestEntry.model_fields.items() if info.is_required() and name != "document")


@dataclass
class Manifest:
    """The entries that passed validation, and what was wrong with the others."""

    documents: dict[str, ManifestEntry] = field(default_factory=dict)
    entry_lines: dict[str, int] = field(default_factory=dict)  # document → line of its key
    rejected: dict[str, list[Issue]] = field(default_factory=dict)  # document → why it was skipped
    issues: list[Issue] = field(default_factory=list)  # every problem, for the report


def load_manifest(plans_dir: Path) -> Manifest:
    """Read plans/manifest.yaml entry by entry; see the module docstring.

    Raises IngestError only when there is no manifest to read at all (missing, not UTF-8,
    no `documents:` block).
    """
    path = Path(plans_dir) / MANIFEST_NAME
    if not path.exists():
        raise IngestError(error(MANIFEST_NAME, None, "manifest-missing", f"no manifest at {path}", folder=path.parent.name))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(
            error(MANIFEST_NAME, line, "not-utf8", f"{MANIFEST_NAME} is not UTF-8 (byte {exc.start} on line {line}): save it as UTF-8",
                  form="manifest", byte=exc.start)
        ) from None
    return parse_manifest(text)


_DOCUMENTS_LINE = re.compile(r"^documents:\s*(\{\s*\})?\s*(#.*)?$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _skip(line: str) -> bool:
    return not line.strip() or line.lstrip(" ").startswith("#")


def parse_manifest(text: str) -> Manifest:
    """The manifest in `text`; see load_manifest."""
    manifest = Manifest()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None  # a syntax error somewhere: read the entries one by one below
    if root is not None:
        return _from_tree(root, manifest)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if _DOCUMENTS_LINE.match(line)), None)
    if start is None:
        raise IngestError(error(
            MANIFEST_NAME, None, "manifest-shape",
            f"{MANIFEST_NAME} needs a line `documents:` at the start of a line, with one entry per document under it",
            form="no-documents",
        ))
    # 1. cut the documents block into entries: a line at the entries' indentation starts one
    chunks: list[tuple[int, int]] = []  # (first line index, end index) of each entry
    indent = None
    end = len(lines)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if _skip(line) or line.startswith("\t"):
            continue
        if _indent(line) == 0:
            end = i
            break
        if indent is None:
            indent = _indent(line)
        if _indent(line) == indent:
            if chunks:
                chunks[-1] = (chunks[-1][0], i)
            chunks.append((i, len(lines)))
    if chunks:
        chunks[-1] = (chunks[-1][0], end)
    for i, line in enumerate(lines):
        if (i < start or i >= end) and not _skip(line) and _indent(line) == 0:
            key = line.split(":", 1)[0].strip()
            manifest.issues.append(error(
                MANIFEST_NAME, i + 1, "manifest-shape",
                f"line {i + 1}: unknown top-level key `{key}`; every document goes under `documents:` (indented). "
                "Fix: indent it under `documents:` or delete the line",
                form="top-level-key", key=key,
            ))
    # 2. read each entry on its own
    return _add_entries(manifest, (_read_entry(lines, first, stop) for first, stop in chunks))


def _from_tree(root, manifest: Manifest) -> Manifest:
    """The manifest from a YAML tree that parsed as a whole (aliases between entries work)."""
    if not isinstance(root, yaml.MappingNode):
        raise IngestError(error(MANIFEST_NAME, None, "manifest-shape", f"{MANIFEST_NAME} needs a `documents:` mapping", form="no-documents"))
    documents = None
    for key, value in root.value:
        if key.value == "documents" and documents is None:
            documents = value
        else:
            at = key.start_mark.line + 1
            manifest.issues.append(error(
                MANIFEST_NAME, at, "manifest-shape",
                f"line {at}: unexpected top-level key `{key.value}`; every document goes under `documents:` (indented)",
                form="top-level-key", key=str(key.value),
            ))
    if documents is None or (isinstance(documents, yaml.ScalarNode) and documents.value in ("", "~", "null")):
        return manifest
    if not isinstance(documents, yaml.MappingNode):
        raise IngestError(error(MANIFEST_NAME, documents.start_mark.line + 1, "manifest-shape", "`documents:` must hold one `file name:` entry per document",
                                form="documents-not-mapping"))
    return _add_entries(manifest, (_entry_of(k, v) for k, v in documents.value))


def _add_entries(manifest: Manifest, entries) -> Manifest:
    seen: dict[str, int] = {}
    for name, line, fields, field_lines, issues in entries:
        if name is None:
            manifest.issues.extend(issues)
            continue
        if name in seen:
            both = error(
                MANIFEST_NAME, line, "manifest-duplicate",
                f"{name} is listed twice, on lines {seen[name]} and {line}; neither entry is used until one is deleted",
                form="document", name=name, first=seen[name], second=line,
            )
            manifest.issues.append(both)
            manifest.rejected.setdefault(name, []).append(both)
            manifest.documents.pop(name, None)
            continue
        seen[name] = line
        manifest.entry_lines[name] = line
        if not issues:
            try:
                manifest.documents[name] = ManifestEntry(document=name, **fields)
            except ValidationError as exc:
                issues = [_explain(name, line, field_lines, err) for err in exc.errors()]
        if not issues:
            issues = _check_adcode(name, line, manifest.documents[name], field_lines)
            if issues:
                manifest.documents.pop(name)
        if issues:
            manifest.rejected[name] = issues
            manifest.issues.extend(issues)
    return manifest


def _read_entry(lines: list[str], first: int, stop: int):
    """(name, line, fields, field → line, issues) of the entry on lines[first:stop]; name is
    None when the entry's key cannot be read."""
    line = first + 1
    chunk = "\n" * first + "\n".join(lines[first:stop]) + "\n"
    try:
        root = yaml.compose(chunk, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = mark.line + 1 if mark is not None else line
        name = _key_text(lines[first])
        tab = "\t" in (lines[where - 1] if 0 < where <= len(lines) else "")
        what = (
            f"line {where} holds a tab character; YAML indents with spaces only. Fix: replace the tab with spaces"
            if tab else f"YAML cannot read it ({getattr(exc, 'problem', None) or exc}). Fix: check the quotes, colons and indentation on line {where}"
        )
        facts = {"form": "tab", "name": name or "?"} if tab else {"name": name or "?"}  # else: YAML's own words
        issue = error(MANIFEST_NAME, where, "manifest-yaml", f"entry {name or '?'} (line {line}): {what}", **facts)
        return name, line, {}, {}, [issue]
    if not isinstance(root, yaml.MappingNode) or len(root.value) != 1:
        return None, line, {}, {}, [error(MANIFEST_NAME, line, "manifest-shape", f"line {line} is not `file name:` followed by its fields",
                                             form="entry-line")]
    return _entry_of(*root.value[0])


def _entry_of(key_node, value_node):
    """(name, line, fields, field → line, issues) of one composed `name: {fields}` pair."""
    line = key_node.start_mark.line + 1
    name = str(key_node.value)
    if "/" in name or "\\" in name or name.startswith("."):
        return None, line, {}, {}, [error(MANIFEST_NAME, line, "manifest-name", f"entry {name}: a document is named by its file name in plans/, without folders",
                                             form="folder", name=name)]
    if not name.endswith(".txt"):
        return name, line, {}, {}, [error(
            MANIFEST_NAME, line, "manifest-name",
            f"entry {name}: the manifest lists the text of a plan (.txt); add a .docx or .pdf with `python -m xiancheng add-plan {name}`, which converts it",
            form="not-txt", name=name,
        )]
    if isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~", "null"):
        return name, line, {}, {}, [error(MANIFEST_NAME, line, "manifest-entry", f"entry {name} has no fields. Fix: add {', '.join(REQUIRED_FIELDS)} under it",
                                             form="no-fields", name=name, fields=", ".join(REQUIRED_FIELDS))]
    if not isinstance(value_node, yaml.MappingNode):
        return name, line, {}, {}, [error(MANIFEST_NAME, line, "manifest-entry", f"entry {name}: expected its fields (`title: …` on the lines below), found a single value",
                                             form="single-value", name=name)]
    field_lines: dict[str, int] = {}
    issues = []
    for field_key, _ in value_node.value:
        key = str(field_key.value)
        at = field_key.start_mark.line + 1
        if key in field_lines:
            issues.append(error(
                MANIFEST_NAME, at, "manifest-duplicate",
                f"entry {name}: field `{key}` is given twice, on lines {field_lines[key]} and {at}. Fix: delete the wrong one",
                form="field", name=name, field=key, first=field_lines[key], second=at,
            ))
        field_lines.setdefault(key, at)
    if issues:
        return name, line, {}, {}, issues
    values = yaml.SafeLoader("").construct_document(value_node)
    values = {str(k): v for k, v in values.items()} if isinstance(values, dict) else {}
    return name, line, values, field_lines, []


def _key_text(line: str) -> Optional[str]:
    key = line.split(":", 1)[0].strip().strip("'\"")
    return key or None


_TYPE_HINTS = {
    int: "YAML reads an unquoted number as a number",
    float: "YAML reads an unquoted number as a number",
    Date: "YAML reads an unquoted date as a date",
    bool: "YAML reads yes/no/true/false as a truth value",
}


def _explain(name: str, line: int, field_lines: dict[str, int], err: dict) -> Issue:
    """One pydantic error as a manifest issue: the field's line, what is wrong, how to fix it."""
    loc = [str(part) for part in err.get("loc", ())]
    fieldname = loc[0] if loc else ""
    at = field_lines.get(fieldname, line)
    kind = err.get("type", "")
    value = err.get("input")
    facts: dict = {"name": name, "field": fieldname}  # no form: pydantic's own words, shown as the detail
    if kind == "missing":
        what = f"field `{fieldname}` is missing. Fix: add `{fieldname}: …` under the entry"
        facts["form"] = "missing"
    elif kind == "extra_forbidden":
        close = difflib.get_close_matches(fieldname, ENTRY_FIELDS, n=1)
        what = f"unknown field `{fieldname}`. Fix: " + (f"did you mean `{close[0]}`? " if close else "") + f"the fields are {', '.join(ENTRY_FIELDS)}"
        facts.update({"form": "unknown-field-close", "close": close[0]} if close else {"form": "unknown-field"})
        facts["fields"] = ", ".join(ENTRY_FIELDS)
    elif kind == "string_type" and type(value) in _TYPE_HINTS:
        what = (
            f"field `{fieldname}` is unquoted, and {_TYPE_HINTS[type(value)]}. "
            f'Fix: put it in quotes: {fieldname}: "{value}"'
        )
        facts.update(form="unquoted", value=str(value))
    elif kind == "literal_error":
        annotation = ManifestEntry.model_fields[fieldname].annotation if fieldname in ManifestEntry.model_fields else None
        allowed = tuple(str(a) for a in get_args(annotation) if isinstance(a, str))
        what = f"field `{fieldname}` is {value!r}, which is not one of {', '.join(allowed)}. Fix: use one of those"
        facts.update(form="not-allowed", value=str(value), allowed=", ".join(allowed))
    elif fieldname in ("title_lines", "task_scope_lines"):
        what = f"field `{fieldname}` must be two line numbers, first and last, like [3, 4]; got {value!r}"
        facts.update(form="line-pair", value=str(value))
    else:
        what = f"field `{fieldname}`: {err.get('msg', 'invalid')} (got {value!r})"
    return error(MANIFEST_NAME, at, "manifest-entry", f"entry {name}, line {at}: {what}", **facts)


def _check_adcode(name: str, line: int, entry: ManifestEntry, field_lines: dict[str, int]) -> list[Issue]:
    """scope_adcode must be a unit in the boundary data, at the level scope_level says."""
    from .. import geo

    at = field_lines.get("scope_adcode", line)
    code = entry.scope_adcode
    if (entry.scope_level == "province") != (code == geo.PROVINCE_ADCODE):
        # A province plan (晋政发, 晋政办发) is for Shanxi as a whole: 140000 and province go together.
        at = field_lines.get("scope_level", line)
        if entry.scope_level == "province":
            level = "city" if code in geo.cities() else "county"
            what = (
                f"scope_level is province but scope_adcode {code} is {geo.place_name(code)}, not the province. "
                f'Fix: scope_level: {level}, or scope_adcode: "{geo.PROVINCE_ADCODE}" for a province plan'
            )
            facts = {"form": "not-province", "adcode": code, "fix": level}
        else:
            what = f"scope_adcode {code} is the province (山西省), not a {entry.scope_level}. Fix: scope_level: province"
            facts = {"form": "province", "adcode": code, "level": entry.scope_level}
        return [error(MANIFEST_NAME, at, "manifest-entry", f"entry {name}, line {at}: {what}", name=name, **facts)]
    if entry.scope_level == "county" and code not in geo.counties():
        level = "a city" if code in geo.cities() else "no Shanxi unit"
        hint = " (set scope_level: city)" if code in geo.cities() else "; the county adcodes are in geodata/counties.geojson"
        return [error(MANIFEST_NAME, at, "unknown-adcode", f"entry {name}, line {at}: scope_adcode {code} is {level} in the boundary data, not a county{hint}",
                      form="entry-city" if code in geo.cities() else "entry-none", name=name, adcode=code, level="county")]
    if entry.scope_level == "city" and code not in geo.cities():
        level = "a county" if code in geo.counties() else "no Shanxi unit"
        hint = " (set scope_level: county)" if code in geo.counties() else "; the city adcodes are in geodata/cities.geojson"
        return [error(MANIFEST_NAME, at, "unknown-adcode", f"entry {name}, line {at}: scope_adcode {code} is {level} in the boundary data, not a city{hint}",
                      form="entry-county" if code in geo.counties() else "entry-none", name=name, adcode=code, level="city")]
    return []


def document_files(plans_dir: Path) -> list[Path]:
    """The documents present in plans/, in name order (deterministic)."""
    return sorted(Path(plans_dir).glob(DOCUMENT_GLOB))


def other_files(plans_dir: Path) -> list[Path]:
    """Files in plans/ that are neither a document (.txt) nor the manifest: a .docx or .pdf
    copied in by hand is not read, and the report says how to add it."""
    return sorted(p for p in Path(plans_dir).iterdir() if p.is_file() and p.suffix != ".txt" and p.name != MANIFEST_NAME and not p.name.startswith("."))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_size(path: Path) -> None:
    """Refuse a document above the size limit (settings.max_document_mb) before reading it."""
    from ..settings import SETTINGS, max_document_bytes

    limit = max_document_bytes()
    size = Path(path).stat().st_size
    if size > limit:
        env = next(s.env for s in SETTINGS if s.name == "max_document_mb")
        name = Path(path).name
        raise IngestError(error(
            name, None, "too-large",
            f"document {name} is {size / 2**20:.1f} MB, above the {limit / 2**20:g} MB limit (raise {env} to read it)",
            name=name, size=f"{size / 2**20:.1f}", limit=f"{limit / 2**20:g}", setting=env,
        ))


def read_document(path: Path, entry: Optional[ManifestEntry]) -> tuple[list[str], list[Issue]]:
    """The document's lines (no line endings), or IngestError for unreadable input.

    Errors: a document missing from the manifest, an empty file, bytes that are not UTF-8
    or line ends that are CR only (each message says how to convert it). A sha256 that
    differs from the manifest is a warning: the text changed since the manifest was written.
    """
    name = Path(path).name
    if entry is None:
        raise IngestError(error(
            name, None, "not-in-manifest",
            f"document {name} is not listed in {MANIFEST_NAME}: add it with `python -m xiancheng add-plan`, or list it by hand",
            name=name,
        ))
    check_size(path)
    data = Path(path).read_bytes()
    issues: list[Issue] = []
    if not data.strip():
        raise IngestError(error(name, None, "empty-file", f"document {name} is empty", name=name))
    problem = describe_problem(data)
    if problem is not None:
        code, message, line, facts = problem
        raise IngestError(error(name, line, code, f"document {name} {message}", name=name, **facts))
    text = data.decode("utf-8-sig")
    digest = hashlib.sha256(data).hexdigest()
    if entry.sha256 and entry.sha256 != digest:
        issues.append(warning(name, None, "sha256-mismatch", f"sha256 of {name} is {digest}, manifest says {entry.sha256}",
                              name=name, digest=digest, expected=entry.sha256))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    a, b = entry.title_lines
    if not (1 <= a <= b <= len(lines)):
        raise IngestError(error(name, None, "manifest-title-lines", f"title_lines {a}-{b} outside the document's {len(lines)} lines",
                                      start=a, end=b, n=len(lines)))
    return lines, issues
