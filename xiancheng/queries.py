"""Derived views over the dataset that maps, pages and exports share (no Streamlit here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import geo
from .dataset import COUNTY_TYPES, Classification, Dataset

NOT_STATED = "not-stated"
MUNICIPAL_DISTRICT = "municipal-district"


@dataclass(frozen=True)
class CountyTypes:
    """What the loaded documents say about one unit's county-town type."""

    adcode: str
    types: tuple[str, ...]  # in COUNTY_TYPES order; empty when not stated
    status: str  # "classified" / NOT_STATED / MUNICIPAL_DISTRICT
    statements: tuple[Classification, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        """One category for colouring: the single type, 'a+b' for two, or the status."""
        if self.types:
            return "+".join(self.types)
        return self.status


def county_types(dataset: Dataset) -> dict[str, CountyTypes]:
    """Every one of the 117 units with its type(s), keeping every statement behind them.

    A district (市辖区) is not a county town, whatever a document says elsewhere, and is
    drawn apart from 'not stated'. Only what a document states is used: no guessing.
    """
    by_county: dict[str, list[Classification]] = {}
    for statement in dataset.classifications:
        by_county.setdefault(statement.adcode, []).append(statement)
    result = {}
    for adcode, county in geo.counties().items():
        statements = tuple(by_county.get(adcode, ()))
        types = tuple(t for t in COUNTY_TYPES if any(s.type == t for s in statements))
        if types:
            status = "classified"
        elif county.kind == "市辖区":
            status = MUNICIPAL_DISTRICT
        else:
            status = NOT_STATED
        result[adcode] = CountyTypes(adcode, types, status, statements)
    return result
