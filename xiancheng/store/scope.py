"""Who may write what: roles and the department/area scope of an editor, checked inside the store."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ScopeError

ROLES = ("admin", "editor", "viewer")


@dataclass(frozen=True)
class User:
    """A signed-in account as the app and the store see it (no password hash)."""

    username: str
    display_name: str
    role: str
    units: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    version: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_write(self, unit: str | None = None, adcode: str | None = None, admin_only: bool = False) -> bool:
        try:
            authorize(self, unit, adcode, admin_only=admin_only)
        except ScopeError:
            return False
        return True


def system_user(name: str = "cli") -> User:
    """The actor for command-line maintenance (whoever can run it already owns the database)."""
    return User(username=f"system:{name}", display_name=name, role="admin")


def area_covers(area: str, adcode: str) -> bool:
    """A province adcode (140000) covers its cities and counties; a city (140800) its counties."""
    if not area or not adcode:
        return False
    if area == adcode:
        return True
    if area.endswith("0000"):
        return adcode[:2] == area[:2]
    if area.endswith("00"):
        return adcode[:4] == area[:4]
    return False


def authorize(user: User | None, unit: str | None, adcode: str | None, *, admin_only: bool = False,
              what: str = "this record", table: str = "", record: str = "", title: str = "") -> None:
    """Raise ScopeError unless user may write a record of this department and area.

    Admins write everything. Viewers nothing. An editor writes records whose department is
    one of theirs (when they have departments) AND whose area they cover (when they have
    areas); a record that lacks the dimension the editor is limited by is refused.
    table/record/title name the record in the refusal's params (for the person-facing text).
    """
    facts = dict(table=table, record=record, title=title)
    if user is None:
        raise ScopeError("writing needs sign-in", message_key="scope.sign_in", **facts)
    if user.role == "admin":
        return
    if user.role != "editor":
        raise ScopeError(f"{user.username} ({user.role}) may not write {what}", message_key="scope.role",
                         user=user.username, role=user.role, **facts)
    if admin_only:
        raise ScopeError(f"only admins may write {what}; {user.username} is an editor", message_key="scope.admin_only",
                         user=user.username, role=user.role, **facts)
    if not user.units and not user.areas:
        raise ScopeError(f"editor {user.username} has no departments or areas: an admin must give them a scope",
                         message_key="scope.no_scope", user=user.username, **facts)
    if user.units and unit not in user.units:
        raise ScopeError(f"{user.username} may write for {', '.join(user.units)}, not for {unit or 'no department'} ({what})",
                         message_key="scope.unit", user=user.username, units=user.units, unit=unit or "", **facts)
    if user.areas and not any(area_covers(area, adcode or "") for area in user.areas):
        raise ScopeError(f"{user.username} may write for areas {', '.join(user.areas)}, not for {adcode or 'no area'} ({what})",
                         message_key="scope.area", user=user.username, areas=user.areas, adcode=adcode or "", **facts)
