"""Curated overrides (corrections.yaml): add, drop or set records, each with a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..dataset import AppliedCorrection, Citation, Classification, Positioning, Project, Target, Task, Town
from .issues import Issue, error

CORRECTIONS_PATH = Path(__file__).with_name("corrections.yaml")
KINDS = {
    "classifications": Classification,
    "positionings": Positioning,
    "tasks": Task,
    "targets": Target,
    "projects": Project,
    "towns": Town,
}


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    action: str
    kind: str
    reason: str
    document: Optional[str] = None
    lines: Optional[tuple[int, int]] = None
    records: list[dict[str, Any]] = []
    match: dict[str, Any] = {}
    set: dict[str, Any] = {}


def load_corrections(path: Path = CORRECTIONS_PATH) -> list[Correction]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [Correction(**c) for c in raw.get("corrections") or []]


def record_key(kind: str, record) -> str:
    c = record.citation
    return f"{kind}:{c.document}:{c.line_start}"


def _matches(record, match: dict[str, Any]) -> bool:
    for name, expected in match.items():
        if name in ("document", "line_start", "line_end"):
            value = getattr(record.citation, name)
        else:
            value = getattr(record, name, None)
        if value != expected and str(value) != str(expected):
            return False
    return True


@dataclass
class CorrectionResult:
    applied: list[AppliedCorrection] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def apply_corrections(records: dict[str, list], corrections: list[Correction], quote_of) -> CorrectionResult:
    """Apply corrections in order to the record lists (in place).

    quote_of(document, first, last) gives the cited text for added records, or None when the
    document was not loaded (then the correction cannot apply and is reported).
    """
    result = CorrectionResult()
    for correction in corrections:
        source = correction.document or "corrections.yaml"
        if correction.kind not in KINDS:
            result.issues.append(error(source, None, "correction-kind", f"correction {correction.id}: unknown kind {correction.kind}",
                                       id=correction.id, kind=correction.kind))
            continue
        target = records[correction.kind]
        touched: list[str] = []
        facts: dict = {}  # why a correction does not apply, for the app's words (form and values)
        try:
            if correction.action == "add":
                if not (correction.document and correction.lines):
                    facts = {"form": "no-lines"}
                    raise ValueError("an added record needs document and lines")
                first, last = correction.lines
                quote = quote_of(correction.document, first, last)
                if quote is None:
                    facts = {"form": "not-loaded", "document": correction.document, "start": first, "end": last}
                    raise ValueError(f"document {correction.document} (lines {first}-{last}) is not loaded")
                citation = Citation(document=correction.document, line_start=first, line_end=last, quote=quote)
                for fields in correction.records:
                    extra = {"statement_kind": "override"} if correction.kind == "classifications" else {}
                    extra.update({"source": "override"} if correction.kind == "projects" else {})
                    record = KINDS[correction.kind](**{**extra, **fields, "citation": citation})
                    target.append(record)
                    touched.append(record_key(correction.kind, record))
            elif correction.action in ("drop", "set"):
                hits = [r for r in target if _matches(r, correction.match)]
                if not hits:
                    facts = {"form": "no-match", "match": ", ".join(f"{k}: {v}" for k, v in correction.match.items())}
                    raise ValueError(f"matches no record ({correction.match})")
                for hit in hits:
                    touched.append(record_key(correction.kind, hit))
                    index = target.index(hit)
                    if correction.action == "drop":
                        del target[index]
                    else:
                        # validated as a whole, so a set citation is a Citation (and is checked)
                        target[index] = KINDS[correction.kind].model_validate({**hit.model_dump(), **correction.set})
            else:
                facts = {"form": "action", "action": correction.action}
                raise ValueError(f"unknown action {correction.action}")
        except (ValueError, ValidationError, TypeError) as exc:
            result.issues.append(error(source, correction.lines[0] if correction.lines else None, "correction", f"correction {correction.id}: {exc}",
                                       id=correction.id, **facts))
            continue
        result.applied.append(
            AppliedCorrection(id=correction.id, action=correction.action, kind=correction.kind, reason=correction.reason, touched=touched)
        )
    return result
