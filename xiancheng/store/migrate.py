"""Alembic migrations shipped inside the package, run programmatically (on start and by `db upgrade`).

Alembic is imported only when there is something to migrate or to report: a database already
at the newest revision is recognised by reading its alembic_version row and the revision ids
the migration files declare (importing Alembic and loading its script directory cost
~0.25 s of CPU on every server start, before the first page).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import exc, text
from sqlalchemy.engine import Engine

from .errors import DatabaseSettingError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# `revision = "0005_current_row"` / `down_revision: str | None = None` at the top of a revision file.
_DECLARATION = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.M)


def declared_revisions() -> dict[str, str | None] | None:
    """revision → down_revision as each file under versions/ declares it, read as text;
    None when a file declares them in a form not read here (a merge's tuple, a computed
    value): then only Alembic can say, and the callers ask it."""
    graph: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        if path.name.startswith("__"):
            continue
        found = dict(_DECLARATION.findall(path.read_text(encoding="utf-8")))
        try:
            revision, down = ast.literal_eval(found["revision"]), ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)) or revision in graph:
            return None
        graph[revision] = down
    return graph or None


def _declared_head() -> str | None:
    graph = declared_revisions()
    if graph is None:
        return None
    heads = set(graph) - set(graph.values())
    return heads.pop() if len(heads) == 1 else None


def is_at_head(engine: Engine) -> bool:
    """Whether the database's alembic_version row is the newest declared revision (no
    Alembic import). False when unsure (no such table yet, several rows, several heads)."""
    head = _declared_head()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except exc.DBAPIError:  # no table yet (a new database): Alembic creates it
        return False
    return rows == [head]


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:
        # Two features each added a revision on the same parent: re-point one down_revision.
        raise RuntimeError(f"store migrations have {len(heads)} heads {heads}: make the history linear")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_known(engine: Engine, setting: str = "XIANCHENG_DATABASE_URL") -> None:
    """Refuse a database written by a newer version of the app (its revision is unknown here)."""
    if is_at_head(engine):
        return
    revision = current_revision(engine)
    if revision is None:
        return
    known = {script.revision for script in script_directory().walk_revisions()}
    if revision not in known:
        raise DatabaseSettingError(
            f"the database at {setting} is at migration {revision!r}, which this version of the app does not know "
            f"(newest known: {head_revision()!r}); it was written by a newer version. Update the app "
            f"(git pull; make run), or point {setting} at another database. Nothing was changed.",
            message_key="database_setting.newer", setting=setting, revision=revision, head=head_revision(),
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to revision (default: the newest), in one transaction per run."""
    if revision == "head" and is_at_head(engine):
        return
    from alembic import command

    check_known(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
