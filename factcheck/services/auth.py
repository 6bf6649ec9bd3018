"""Roles and permissions for team mode (library side; the app's login fills in the identity).

Three roles, each including the one before:

* **reviewer** — review claims, link evidence, record verdicts;
* **editor** — also second review, publish/export, manage the verdict scale;
* **admin** — also manage users.

Team mode (login required) is on when a users file is configured (``FACTCHECK_AUTH``), the
database is PostgreSQL, or ``FACTCHECK_TEAM=1``; solo mode (SQLite, no users file) acts as an admin
named after the OS user. The identity in every review event is the logged-in user's name
(:attr:`Identity.username`).

The users file is the YAML config of streamlit-authenticator (which the app uses to log in)::

    cookie: {name: factcheck_auth, key: <a long random secret>, expiry_days: 7}
    credentials:
      usernames:
        ana: {name: Ana Reviewer, email: ana@example.org, roles: [reviewer],
              password: $2b$12$...}        # a bcrypt hash, never the password

``factcheck auth hash`` prints a bcrypt hash; ``factcheck auth add-user FILE
NAME --role editor`` adds (or updates) a user in that file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from factcheck.config import Settings, default_reviewer
from factcheck.errors import ConfigError, FactcheckError


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
    """True when login is required: a users file (FACTCHECK_AUTH), a PostgreSQL database, or
    FACTCHECK_TEAM=1 (FACTCHECK_TEAM=0 turns it off unless a users file is set)."""
    if settings.auth is not None:
        return True
    flag = os.environ.get("FACTCHECK_TEAM", "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    if flag in ("0", "false", "no", "off"):
        return False
    return settings.url.startswith(("postgresql", "postgres"))


def solo_identity() -> Identity:
    """The identity in solo mode: the OS user, with every permission."""
    return Identity(username=default_reviewer(), role=Role.admin)


# -- the users file ---------------------------------------------------------------------------
def _is_bcrypt(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("$2a$", "$2b$", "$2y$")) and len(value) == 60


def role_of(roles: object) -> Role:
    """The highest of a user's roles (streamlit-authenticator keeps a list); none means reviewer."""
    if not roles:
        return Role.reviewer
    if isinstance(roles, str):
        roles = [roles]
    try:
        return max((Role(str(r).strip().lower()) for r in roles), key=lambda r: r.rank)  # type: ignore[union-attr]
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ConfigError(f"unknown role in {roles!r}; roles are {known}") from None


def load_users(path: Path) -> dict[str, Any]:
    """Read and check a users file; returns it as streamlit-authenticator expects it.

    Every password must be a bcrypt hash (plain text is refused, not hashed on the fly), every
    role known, and the cookie section complete. Usernames are lower-cased (as the library does).
    """
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the users file ({e.strerror}); fix FACTCHECK_AUTH") from e
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected `credentials:` and `cookie:` sections")
    creds = raw.get("credentials")
    users = creds.get("usernames") if isinstance(creds, dict) else None
    if not isinstance(users, dict) or not users:
        raise ConfigError(f"{path}: no users under `credentials: usernames:`")
    clean: dict[str, Any] = {}
    for name, user in users.items():
        if not isinstance(user, dict):
            raise ConfigError(f"{path}: user {name!r} must be a mapping (name, email, password, roles)")
        if not _is_bcrypt(user.get("password")):
            raise ConfigError(f"{path}: user {name!r} has no bcrypt password hash; "
                              f"run `factcheck auth hash` and paste the result")
        role_of(user.get("roles"))
        clean[str(name).strip().lower()] = dict(user)
    cookie = raw.get("cookie")
    if not isinstance(cookie, dict) or not cookie.get("name") or not cookie.get("key"):
        raise ConfigError(f"{path}: `cookie:` needs `name`, `key` (a long random secret) and `expiry_days`")
    try:
        expiry = float(cookie.get("expiry_days", 7))
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: cookie `expiry_days` must be a number (0 = no re-login cookie)") from None
    return {"credentials": {"usernames": clean},
            "cookie": {"name": str(cookie["name"]), "key": str(cookie["key"]), "expiry_days": expiry}}


def hash_password(password: str) -> str:
    """A bcrypt hash of `password` (the format streamlit-authenticator checks against)."""
    import bcrypt

    if not password:
        raise ConfigError("empty password")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def add_user(path: Path, username: str, password: str, role: Role | str = Role.reviewer,
             name: str | None = None, email: str | None = None) -> None:
    """Add or update one user in a users file (created, with a random cookie key, if missing)."""
    import secrets

    import yaml

    path = Path(path)
    data: dict[str, Any] = {}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("cookie", {"name": "factcheck_auth", "key": secrets.token_urlsafe(32), "expiry_days": 7})
    users = data.setdefault("credentials", {}).setdefault("usernames", {}) or {}
    data["credentials"]["usernames"] = users
    key = username.strip().lower()
    if not key:
        raise ConfigError("empty username")
    user = users.setdefault(key, {})
    user.update({"name": name or user.get("name") or username, "password": hash_password(password),
                 "roles": [Role(role).value]})
    if email:
        user["email"] = email
    user.setdefault("email", f"{key}@localhost")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    os.replace(tmp, path)
