"""Problems found while ingesting: each names the file, the line and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

Fact = Union[str, int, float]


@dataclass(frozen=True)
class Issue:
    """One error or warning; `line` is 1-based, None when it concerns the whole file.

    `message` is English (the CLI, logs and golden files print it); `facts` are the same
    facts as values (names, numbers, line ranges), so the app can word the problem in the
    reader's language (xiancheng.problem_text). facts["form"], when given, names which of the
    code's sentences applies (i18n "problem.<code>.<form>", else "problem.<code>.text")."""

    document: str
    line: Optional[int]
    severity: Literal["error", "warning"]
    code: str
    message: str
    facts: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = f"{self.document}:{self.line}" if self.line else self.document
        return f"{where}: {self.severity}: {self.message} [{self.code}]"

    def to_dict(self) -> dict:
        # what `ingest --json` prints: the English fields only, as before facts existed
        return {"document": self.document, "line": self.line, "severity": self.severity, "code": self.code, "message": self.message}


class IngestError(Exception):
    """A document (or the manifest) cannot be read at all; carries the Issue that says why."""

    def __init__(self, issue: Issue):
        super().__init__(str(issue))
        self.issue = issue


def error(document: str, line: Optional[int], code: str, message: str, /, **facts: Fact) -> Issue:
    return Issue(document, line, "error", code, message, facts)


def warning(document: str, line: Optional[int], code: str, message: str, /, **facts: Fact) -> Issue:
    return Issue(document, line, "warning", code, message, facts)
