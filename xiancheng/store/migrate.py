"""Alembic migrations shipped inside the package, run programmatically (on start and by `db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from .errors import DatabaseSettingError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:
        # Two features each added a revision on the same parent: re-point one down_revision.
        raise RuntimeError(f"store migrations have {len(heads)} heads {heads}: make the history linear")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_known(engine: Engine, setting: str = "XIANCHENG_DATABASE_URL") -> None:
    """Refuse a database written by a newer version of the app (its revision is unknown here)."""
    revision = current_revision(engine)
    if revision is None:
        return
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision not in known:
        raise DatabaseSettingError(
            f"the database at {setting} is at migration {revision!r}, which this version of the app does not know "
            f"(newest known: {head_revision()!r}); it was written by a newer version. Update the app "
            f"(git pull; make run), or point {setting} at another database. Nothing was changed."
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to revision (default: the newest), in one transaction per run."""
    check_known(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
