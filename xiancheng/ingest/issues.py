"""Problems found while ingesting: each names the file, the line and what is wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal, Optional


@dataclass(frozen=True)
class Issue:
    """One error or warning; `line` is 1-based, None when it concerns the whole file."""

    document: str
    line: Optional[int]
    severity: Literal["error", "warning"]
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.document}:{self.line}" if self.line else self.document
        return f"{where}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict:
        return asdict(self)


class IngestError(Exception):
    """A document (or the manifest) cannot be read at all; carries the Issue that says why."""

    def __init__(self, issue: Issue):
        super().__init__(str(issue))
        self.issue = issue


def error(document: str, line: Optional[int], code: str, message: str) -> Issue:
    return Issue(document, line, "error", code, message)


def warning(document: str, line: Optional[int], code: str, message: str) -> Issue:
    return Issue(document, line, "warning", code, message)
