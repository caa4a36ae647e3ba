"""The published dataset: validated records, each with its citation. The app reads only this."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

COUNTY_TYPES = (
    "urban-integration",
    "specialised-function",
    "culture-tourism",
    "agricultural",
    "ecological",
)
# Types of the 2022 national opinion with no Shanxi counterpart (人口流失县城): a plan's
# statement is kept as stated, never folded into one of Shanxi's five.
NATIONAL_ONLY_TYPES = ("population-loss",)
ALL_TYPES = COUNTY_TYPES + NATIONAL_ONLY_TYPES
# The eight actions (八项行动), in the order the plans list them; see ingest/actions.yaml.
ACTION_KEYS = (
    "safety-resilience",
    "low-carbon-green",
    "platform-driven",
    "inclusive-sharing",
    "quality-improvement",
    "cultural-continuity",
    "smart-efficient",
    "people-land-money",
)
CountyType = Literal[
    "urban-integration", "specialised-function", "culture-tourism", "agricultural", "ecological", "population-loss"
]
Adcode = str  # 6 digits, e.g. "140826"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Record):
    document: str  # file name under plans/, e.g. "000_6ee266aaec99fe33.txt"
    line_start: int = Field(ge=1)
    line_end: int = Field(ge=1)
    quote: str = ""  # the source text the record was read from (hard line breaks joined)


def _check_adcode(value: str) -> str:
    if not (len(value) == 6 and value.isdigit()):
        raise ValueError(f"adcode must be 6 digits, got {value!r}")
    return value


class Document(Record):
    document: str  # file name
    title: str
    issuer: str = ""
    number: str = ""  # 文号, empty when not printed
    date: str = ""  # ISO date or year as printed
    scope_adcode: Adcode  # the province (140000), city or county the plan is for
    scope_level: Literal["province", "city", "county"]
    kind: str  # action-plan / urbanisation-plan / five-year-plan
    sha256: str
    line_count: int
    citation: Citation  # the title line(s)
    original: str = ""  # the file add-plan converted (.docx, .pdf, a GBK .txt), relative to plans/


class Classification(Record):
    adcode: Adcode
    type: CountyType
    statement_kind: str = ""  # "annex-list" / "body-text" / "override"
    citation: Citation

    _v = field_validator("adcode")(_check_adcode)


class Positioning(Record):
    adcode: Adcode
    text: str
    citation: Citation

    _v = field_validator("adcode")(_check_adcode)


class Task(Record):
    id: str  # stable: "<document>:<line_start>"
    document: str
    action_key: Optional[str] = None  # canonical action (see ingest/actions.yaml)
    action_zh: str = ""  # the plan's own action heading
    heading: str = ""  # the task's own heading if any
    number: str = ""  # the task's number as printed ("12"), when the plan numbers its tasks
    title: str = ""  # the paragraph's lead phrase ("提升城乡防灾韧性水平"), when it has one
    text: str
    responsible_units: list[str] = []
    years: list[int] = []
    adcodes: list[Adcode] = []  # counties the task applies to (a province task naming none: empty)
    scope_adcode: Adcode  # the document's scope
    citation: Citation


class Target(Record):
    indicator: str  # indicator name as written (Chinese)
    scope_adcode: Adcode  # county, city or province (140000) the value is about
    scope_level: Literal["province", "city", "county"]
    year: Optional[int] = None
    comparator: str = ""  # 达到 / 以上 / 以内 / 不低于 / 不超过 / = ...
    value: Optional[float] = None
    value_text: str = ""  # as printed, e.g. "60%以上"
    unit: str = ""
    kind: Literal["baseline", "target", "value"] = "target"
    attribute: str = ""  # 预期性 / 约束性 when a table says so
    category: str = ""  # indicator table group, if any
    citation: Citation


class Project(Record):
    name: str
    description: str = ""
    adcodes: list[Adcode] = []
    scope_adcode: Adcode
    investment_yi: Optional[float] = None  # 亿元; 万元 normalised
    investment_text: str = ""
    responsible_units: list[str] = []
    period: str = ""
    category: str = ""  # the table's group row (e.g. the action it is listed under)
    action_key: Optional[str] = None  # canonical action when the category is one
    source: str = ""  # "annex-table" / "running-text" / "override"
    citation: Citation


class Town(Record):
    name: str
    adcode: Adcode  # county the town is in
    kind: Literal["key-town", "characteristic-town", "pilot-county", "specialised-town"]
    citation: Citation


class BuildWarning(Record):
    """Something the build could not parse or check, with the file and line it concerns."""

    document: str
    line: Optional[int] = None
    severity: Literal["error", "warning"] = "warning"
    code: str
    message: str  # English, as the CLI prints it
    # The message's facts as values, for the app to word it in Chinese or English
    # (xiancheng.problem_text); empty in a dataset built before they were kept.
    facts: dict[str, Union[str, int, float]] = {}


class AppliedCorrection(Record):
    """A curated override from ingest/corrections.yaml and the records it touched."""

    id: str
    action: str  # add / drop / set
    kind: str  # record list it applies to
    reason: str
    touched: list[str] = []  # "<kind>:<document>:<line_start>" of each record touched


class RejectedBuild(Record):
    """A build that failed and would have lost documents, so it was not served (see
    ingest.pipeline.load_or_build): the documents it lost and its errors. Or a build that could
    not run at all because a setting it needs is unusable: that setting (its environment
    variable) and its value; problems are then the served dataset's own."""

    lost_documents: list[str] = []
    problems: list[BuildWarning] = []
    inputs: dict[str, str] = {}
    setting: str = ""  # e.g. XIANCHENG_MAX_DOCUMENT_MB
    value: str = ""  # as set, e.g. "5MB"


class Dataset(BaseModel):
    model_config = ConfigDict(extra="allow")

    documents: list[Document] = []
    classifications: list[Classification] = []
    positionings: list[Positioning] = []
    tasks: list[Task] = []
    targets: list[Target] = []
    projects: list[Project] = []
    towns: list[Town] = []
    # Build provenance (optional, additive): what could not be parsed, which overrides were
    # applied, and the sha256 of every input (documents, manifest, curated YAML).
    warnings: list[BuildWarning] = []
    corrections: list[AppliedCorrection] = []
    inputs: dict[str, str] = {}
    # Only on a dataset served in place of a failed build (never written to disk).
    rejected_build: Optional[RejectedBuild] = None

    @property
    def problems(self) -> list[BuildWarning]:
        """What the app shows in its banner: the errors of the latest build, whether it was
        served or rejected (a document or manifest entry that could not be loaded)."""
        if self.rejected_build is not None:
            return self.rejected_build.problems
        return [w for w in self.warnings if w.severity == "error"]

    @classmethod
    def read(cls, path: Path) -> "Dataset":
        return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))

    def write(self, path: Path) -> None:
        Path(path).write_text(
            json.dumps(self.model_dump(mode="json", exclude={"rejected_build"}), ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )

    @cached_property
    def documents_by_name(self) -> dict[str, Document]:
        return {d.document: d for d in self.documents}
