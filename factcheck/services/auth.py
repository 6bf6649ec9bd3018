"""Roles and permissions for team mode (library side; the app's login fills in the identity).

Three roles, each including the one before:

* **reviewer** — review claims, link evidence, record verdicts;
* **editor** — also second review, publish/export, manage the verdict scale;
* **admin** — also manage users.

Team mode (login required) is on when a users file is configured (``FACTCHECK_AUTH``), the
database is PostgreSQL, or ``FACTCHECK_TEAM=1``; solo mode (SQLite, no users file) acts as an admin
named after the OS user. The identity in every review event is the logged-in user's name
(:attr:`Actor.username`).

The rules live in :func:`authorise` only: the role table :data:`ACTIONS`, and the second-review
rule (a claim waiting for a second review leaves that status only by an editor or admin). Every
write in :mod:`factcheck.services.review` calls it inside its transaction; the app and the CLI
build the :class:`Actor` (login, or ``--reviewer`` + password checked by :func:`authenticate`).

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
from collections.abc import Callable
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
    """The actor's role does not allow the action, or the actor is not a known user (exit 4)."""

    exit_code = 4


@dataclass(frozen=True)
class Actor:
    """Who is acting: the login name (recorded in events), role and display name.

    Every write in :mod:`factcheck.services.review` takes one and checks it with
    :func:`authorise` inside its transaction. Solo mode has one implicit actor allowed everything
    (:func:`solo_actor`); team mode takes the role from the users file (:func:`user_actor`,
    :func:`authenticate`).
    """

    username: str
    role: Role
    name: str | None = None

    def __str__(self) -> str:
        return self.username

    def can(self, action: str, resource: Any = None, *, to_status: Any = None) -> bool:
        """True when :func:`authorise` lets this actor do `action` (see :data:`ACTIONS`)."""
        return allowed(self, action, resource, to_status=to_status)

    def require(self, action: str, resource: Any = None, *, to_status: Any = None) -> None:
        """PermissionDenied unless this actor may do `action`."""
        authorise(self, action, resource, to_status=to_status)


Identity = Actor
"""The name the app used first (same class)."""

_SECOND = "needs_second_review"


def _needed(action: str) -> Role:
    try:
        return ACTIONS[action]
    except KeyError:
        raise FactcheckError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}") from None


def _how(actor: Actor, needed: Role) -> str:
    return (f"ask an admin to give you the {needed.value} role "
            f"(`factcheck auth add-user FILE {actor.username} --role {needed.value}`)")


def _status_of(resource: Any, conn: Any) -> tuple[Any, str | None]:
    """(claim id, status) of a Claim, or of a claim id read through `conn` (the caller's
    transaction)."""
    status = getattr(resource, "status", None)
    if status is not None:
        return getattr(resource, "id", None), getattr(status, "value", status)
    if isinstance(resource, int) and conn is not None:
        import sqlalchemy as sa

        from factcheck.db.store import claims

        row = conn.execute(sa.select(claims.c.status).where(claims.c.id == resource)).first()
        return resource, None if row is None else str(row.status)
    return getattr(resource, "id", resource), None


def authorise(actor: Actor, action: str, resource: Any = None, *, conn: Any = None,
              to_status: Any = None) -> Actor:
    """The one place the role rules live; returns `actor` or raises :class:`PermissionDenied`.

    * the actor's role must be at least ``ACTIONS[action]``;
    * the second-review rule: a claim that waits for a second review (status
      ``needs_second_review``) leaves that status (`to_status`, the status the action saves) only
      by a role allowed ``second_review`` (editor, admin).

    `resource` is the claim acted on: a Claim read in the caller's transaction (whose version
    check guards the write), or a claim id read through `conn`. Services call this inside the
    transaction that writes; the app calls it (without `conn`) to decide what to show.
    """
    role = Role(actor.role)
    needed = _needed(action)
    if role.rank < needed.rank:
        raise PermissionDenied(
            f"{actor.username} ({role.value}) may not {action.replace('_', ' ')}: it needs the "
            f"{needed.value} role; {_how(actor, needed)}"
        )
    if to_status is not None and resource is not None:
        target = getattr(to_status, "value", to_status)
        claim_id, status = _status_of(resource, conn)
        second = _needed("second_review")
        if status == _SECOND and target != _SECOND and role.rank < second.rank:
            raise PermissionDenied(
                f"{actor.username} ({role.value}) may not complete the second review of claim "
                f"{claim_id}: it needs the {second.value} role; keep it waiting for a second "
                f"review ({_SECOND}), or {_how(actor, second)}"
            )
    return actor


def allowed(actor: Actor, action: str, resource: Any = None, *, conn: Any = None,
            to_status: Any = None) -> bool:
    """True when :func:`authorise` would let `actor` do `action` (for showing or hiding buttons)."""
    try:
        authorise(actor, action, resource, conn=conn, to_status=to_status)
    except PermissionDenied:
        return False
    return True


def can(role: Role | str, action: str) -> bool:
    """True when `role` allows `action` (no claim: the role table only)."""
    return allowed(Actor("you", Role(role)), action)


def require(role: Role | str, action: str, *, who: str = "you") -> None:
    """Raise PermissionDenied (naming the role needed) unless `role` allows `action`."""
    authorise(Actor(who, Role(role)), action)


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


def solo_actor(name: str | None = None) -> Actor:
    """The one implicit actor of solo mode: `name` (default the OS user), allowed everything."""
    return Actor(username=(name or "").strip() or default_reviewer(), role=Role.admin)


def solo_identity() -> Actor:
    """The identity in solo mode: the OS user, with every permission."""
    return solo_actor()


def actor_for(settings: Settings, who: Actor | str | None) -> Actor:
    """The actor of a library call: an Actor as given; a plain name is looked up in the users file
    when one is configured (``FACTCHECK_AUTH``: the role comes from the file, an unknown name is
    refused), else it is the solo actor (allowed everything, as before roles existed)."""
    if isinstance(who, Actor):
        return who
    if settings.auth is not None:
        return user_actor(settings.auth, who or "")
    return solo_actor(who)


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


def user_actor(path: Path, username: str) -> Actor:
    """The actor of a user of the users file at `path` (role from the file), or PermissionDenied."""
    users = load_users(path)["credentials"]["usernames"]
    key = (username or "").strip().lower()
    user = users.get(key)
    if user is None:
        raise PermissionDenied(
            f"{username!r} is not a user of {path} (FACTCHECK_AUTH); add one with "
            f"`factcheck auth add-user {path} {key or 'NAME'} --role reviewer`"
        )
    return Actor(username=key, role=role_of(user.get("roles")), name=user.get("name"))


def authenticate(settings: Settings, username: str | None,
                 password: str | Callable[[], str | None] | None) -> Actor:
    """Team mode: the actor of `username` after checking `password` against its bcrypt hash.

    `password` may be a function, called only once the user is known (e.g. a prompt).
    """
    import bcrypt

    if settings.auth is None:
        raise ConfigError("team mode needs a users file: set FACTCHECK_AUTH to a YAML users file "
                          "(create one with `factcheck auth add-user FILE NAME --role editor`)")
    if not (username or "").strip():
        raise PermissionDenied(f"team mode: say who you are with --reviewer NAME, a user of "
                               f"{settings.auth} (FACTCHECK_AUTH; `factcheck auth add-user` adds one)")
    actor = user_actor(settings.auth, username)  # type: ignore[arg-type]
    secret = password() if callable(password) else password
    if not secret:
        raise PermissionDenied(f"team mode: no password for {actor.username}; set FACTCHECK_PASSWORD "
                               f"(scripts) or run in a terminal to be asked")
    stored = load_users(settings.auth)["credentials"]["usernames"][actor.username]["password"]
    if not bcrypt.checkpw(secret.encode("utf-8"), str(stored).encode("ascii")):
        raise PermissionDenied(f"wrong password for {actor.username} (the users file {settings.auth})")
    return actor


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
