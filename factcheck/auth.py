"""Roles and permissions for team mode (library side; the app's login fills in the identity).

Three roles, each including the one before:

* **reviewer** — review claims, link evidence, record verdicts;
* **editor** — also second review, publish/export, manage the verdict scale;
* **admin** — also manage users.

Team mode (login required) is on when the database is PostgreSQL, or when
``FACTCHECK_TEAM=1``; solo mode (SQLite, no login) acts as an admin named after the OS user.
The identity in every review event is the logged-in user's name (:attr:`Identity.username`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum

from .config import Settings, default_reviewer
from .errors import FactcheckError


class Role(StrEnum):
    """A team member's role (ordered: reviewer < editor < admin)."""

    reviewer = "reviewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        """Position in the order reviewer < editor < admin."""
        return list(Role).index(self)


ACTIONS: dict[str, Role] = {
    "review": Role.reviewer,
    "link": Role.reviewer,
    "verdict": Role.reviewer,
    "edit_claim": Role.reviewer,
    "second_review": Role.editor,
    "publish": Role.editor,
    "export": Role.editor,
    "import": Role.editor,
    "manage_scale": Role.editor,
    "manage_users": Role.admin,
}
"""The least role each action needs."""


class PermissionDenied(FactcheckError):
    """The user's role does not allow the action."""

    exit_code = 4


@dataclass(frozen=True)
class Identity:
    """Who is acting: the login name (recorded in events), display name and role."""

    username: str
    role: Role
    name: str | None = None

    def can(self, action: str) -> bool:
        """True when this identity's role allows `action` (see :data:`ACTIONS`)."""
        return can(self.role, action)

    def require(self, action: str) -> None:
        """PermissionDenied unless this identity may do `action`."""
        require(self.role, action, who=self.username)


def _needed(action: str) -> Role:
    try:
        return ACTIONS[action]
    except KeyError:
        raise FactcheckError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}") from None


def can(role: Role | str, action: str) -> bool:
    """True when `role` allows `action`."""
    return Role(role).rank >= _needed(action).rank


def require(role: Role | str, action: str, *, who: str = "you") -> None:
    """Raise PermissionDenied (naming the role needed) unless `role` allows `action`."""
    needed = _needed(action)
    if Role(role).rank < needed.rank:
        raise PermissionDenied(
            f"{who} ({Role(role).value}) may not {action.replace('_', ' ')}: it needs the "
            f"{needed.value} role; ask an admin"
        )


def team_mode(settings: Settings) -> bool:
    """True when login is required: a PostgreSQL database, or FACTCHECK_TEAM=1."""
    flag = os.environ.get("FACTCHECK_TEAM", "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    if flag in ("0", "false", "no", "off"):
        return False
    return settings.url.startswith(("postgresql", "postgres"))


def solo_identity() -> Identity:
    """The identity in solo mode: the OS user, with every permission."""
    return Identity(username=default_reviewer(), role=Role.admin)
