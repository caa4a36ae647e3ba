"""The plans manifest (plans/manifest.yaml) and reading a document's text safely."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..geo import PROVINCE_ADCODE

from .issues import IngestError, Issue, error, warning

MANIFEST_NAME = "manifest.yaml"
DOCUMENT_GLOB = "*.txt"


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

    @field_validator("scope_adcode")
    @classmethod
    def _adcode(cls, value: str) -> str:
        if not (len(value) == 6 and value.isdigit()):
            raise ValueError(f"scope_adcode must be 6 digits, got {value!r}")
        return value

    @model_validator(mode="after")
    def _province(self) -> "ManifestEntry":
        # A province plan (晋政发, 晋政办发) is Shanxi's as a whole: its scope is 140000 only.
        if (self.scope_level == "province") != (self.scope_adcode == PROVINCE_ADCODE):
            raise ValueError(f"scope_level province goes with scope_adcode {PROVINCE_ADCODE} and only with it (got {self.scope_level} {self.scope_adcode})")
        return self

    @property
    def city_adcode(self) -> Optional[str]:
        """The city the document belongs to: names in it are resolved relative to this city.
        None for a province plan: a name several cities share stays unresolved there."""
        if self.scope_level == "province":
            return None
        return self.scope_adcode[:4] + "00"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    documents: dict[str, ManifestEntry] = Field(default_factory=dict)


def load_manifest(plans_dir: Path) -> Manifest:
    """Read and validate plans/manifest.yaml; raise IngestError naming the file and line."""
    path = Path(plans_dir) / MANIFEST_NAME
    if not path.exists():
        raise IngestError(error(MANIFEST_NAME, None, "manifest-missing", f"no manifest at {path}"))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise IngestError(error(MANIFEST_NAME, None, "not-utf8", f"manifest is not UTF-8 ({exc.reason})")) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise IngestError(
            error(MANIFEST_NAME, line + 1 if line is not None else None, "manifest-yaml", f"manifest is not valid YAML: {exc}")
        ) from None
    docs = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(docs, dict):
        raise IngestError(error(MANIFEST_NAME, None, "manifest-shape", "manifest needs a `documents:` mapping"))
    entries = {}
    for name, fields in docs.items():
        try:
            entries[name] = ManifestEntry(document=name, **(fields or {}))
        except (ValidationError, TypeError) as exc:
            raise IngestError(
                error(MANIFEST_NAME, _line_of(path, name), "manifest-entry", f"entry {name}: {exc}")
            ) from None
    return Manifest(documents=entries)


def _line_of(path: Path, key: str) -> Optional[int]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith(key + ":"):
            return number
    return None


def document_files(plans_dir: Path) -> list[Path]:
    """The documents present in plans/, in name order (deterministic)."""
    return sorted(Path(plans_dir).glob(DOCUMENT_GLOB))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_document(path: Path, entry: Optional[ManifestEntry]) -> tuple[list[str], list[Issue]]:
    """The document's lines (no line endings), or IngestError for unreadable input.

    Errors: a document missing from the manifest, an empty file, bytes that are not UTF-8
    (the message gives the line of the first bad byte). A sha256 that differs from the
    manifest is a warning: the text changed since the manifest was written.
    """
    name = Path(path).name
    if entry is None:
        raise IngestError(error(name, None, "not-in-manifest", f"document {name} is not listed in {MANIFEST_NAME}"))
    data = Path(path).read_bytes()
    issues: list[Issue] = []
    if not data.strip():
        raise IngestError(error(name, None, "empty-file", f"document {name} is empty"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(
            error(name, line, "not-utf8", f"document {name} is not UTF-8: byte {exc.start} on line {line} ({exc.reason})")
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if entry.sha256 and entry.sha256 != digest:
        issues.append(warning(name, None, "sha256-mismatch", f"sha256 of {name} is {digest}, manifest says {entry.sha256}"))
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    a, b = entry.title_lines
    if not (1 <= a <= b <= len(lines)):
        raise IngestError(error(name, None, "manifest-title-lines", f"title_lines {a}-{b} outside the document's {len(lines)} lines"))
    return lines, issues
