"""Settings: one table of name, default and help, each overridable by an XIANCHENG_* variable."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    @property
    def env(self) -> str:
        return "XIANCHENG_" + self.name.upper()

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS = (
    Setting("geodata_dir", str(ROOT / "geodata"), "Folder with the boundary GeoJSON files."),
    Setting("plans_dir", str(ROOT / "plans"), "Folder with the plan documents and manifest.yaml."),
    Setting("dataset_path", str(ROOT / "build" / "dataset.json"), "Where the built dataset is written and read."),
    Setting("static_dir", str(ROOT / "static"), "Streamlit static folder the app serves Leaflet from."),
    Setting("tianditu_key", "", "Tianditu tile key; the Tianditu basemap is offered only when set."),
    Setting(
        "max_document_mb", "5",
        "Largest plan document ingested, in MB (2^20 bytes) of file; a larger file is refused with an error naming it.",
    ),
    Setting(
        "database_url", "sqlite:///" + str(ROOT / "data" / "xiancheng.sqlite"),
        "Store for what people enter (accounts, audit, imports, progress): an SQLite file by default, "
        "postgresql+psycopg://user:password@host/db for a deployment shared by several app processes.",
    ),
    Setting(
        "commit_sync", "full",
        "How the store's commits reach the disk: full (default: every confirmed save is on the disk) or normal "
        "(no wait for the disk per commit: faster, but a power cut or OS crash, and on PostgreSQL a crash of "
        "the database server, may lose the last moment of saves; never corrupts).",
    ),
    Setting("require_sign_in", "0", "1: viewing needs sign-in too (writing always does)."),
    Setting("sign_in_hours", "12", "How long a sign-in lasts across page reloads (a signed cookie); 0: until the tab closes."),
    Setting(
        "public_url", "http://localhost:8501",
        "The app's address as its users reach it; links written into exported files (the explorer's Excel) start with it.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a setting; secrets (tile keys) come only from the environment."""
    return _BY_NAME[name].value()


class SettingError(ValueError):
    """A setting whose value cannot be used; env and value name it for a worded refusal."""

    def __init__(self, message: str, *, env: str, value: str):
        super().__init__(message)
        self.env = env
        self.value = value


def max_document_bytes() -> int:
    """The document size limit in bytes (setting max_document_mb); SettingError when the value
    is not a positive finite number."""
    setting = _BY_NAME["max_document_mb"]
    value = setting.value()
    try:
        megabytes = float(value)
    except ValueError:
        raise SettingError(f"{setting.env} must be a number of MB, got {value!r}", env=setting.env, value=value) from None
    if not (megabytes > 0 and math.isfinite(megabytes)):  # nan, 0, -1; inf would overflow int()
        raise SettingError(f"{setting.env} must be a positive number of MB, got {value!r}", env=setting.env, value=value)
    return int(megabytes * 2**20)


def public_link(path: str) -> str:
    """An absolute URL for an app path ('/documents?doc=…') under the public_url setting."""
    return get("public_url").rstrip("/") + "/" + path.lstrip("/")


GEODATA_DIR = Path(get("geodata_dir"))
PLANS_DIR = Path(get("plans_dir"))
DATASET_PATH = Path(get("dataset_path"))
STATIC_DIR = Path(get("static_dir"))
