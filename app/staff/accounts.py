"""Staff accounts as plain data functions (no HTTP): create, list, sign in, change the role,
disable or enable, change or reset the password.

Rules: a username is 2–32 characters of ``a-z 0-9 . _ -`` (stored lower-case); a password
passes :func:`app.staff.passwords.problem`; the last active admin can be neither disabled nor
demoted (checked inside the one UPDATE statement, so two admins acting at once cannot both
win). Ending sessions when an account is disabled or its password changes is the caller's
job (:class:`app.staff.sessions.StaffSessions`), which the routes and the command line do.
Every refusal is an :class:`AccountError` with a Vietnamese message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.clock import Clock, aware, utc_now
from app.database import Database
from app.staff import passwords, texts
from app.staff.models import StaffUserRow
from app.staff.roles import ADMIN, ROLES

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")


class AccountError(ValueError):
    """A refused account change; ``str(error)`` is the Vietnamese reason."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def role_label(self) -> str:
        return texts.ROLE_LABELS.get(self.role, self.role)

    def snapshot(self) -> dict[str, object]:
        """What the audit log keeps of an account (never the password hash)."""
        return {"username": self.username, "role": self.role, "disabled": self.disabled}


def user_from_row(row: StaffUserRow) -> StaffUser:
    return StaffUser(
        id=row.id,
        username=row.username,
        role=row.role,
        disabled=row.disabled,
        created_at=aware(row.created_at),
        last_login_at=aware(row.last_login_at) if row.last_login_at else None,
    )


def normal_username(username: str) -> str:
    return username.strip().lower()


def _check_username(username: str) -> str:
    name = normal_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError(texts.USERNAME_INVALID)
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(texts.ROLE_INVALID)
    return role


def _check_password(password: str, username: str) -> None:
    if why := passwords.problem(password, username):
        raise AccountError(why)


class Accounts:
    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self._session = database.session
        self._clock = clock

    # --- reading ---------------------------------------------------------------------------

    def get(self, username: str) -> StaffUser | None:
        with self._session() as session:
            row = session.scalar(
                select(StaffUserRow).where(StaffUserRow.username == normal_username(username))
            )
            return user_from_row(row) if row else None

    def by_id(self, user_id: int) -> StaffUser | None:
        with self._session() as session:
            row = session.get(StaffUserRow, user_id)
            return user_from_row(row) if row else None

    def all(self) -> list[StaffUser]:
        with self._session() as session:
            return [
                user_from_row(row)
                for row in session.scalars(select(StaffUserRow).order_by(StaffUserRow.username))
            ]

    def active_admins(self) -> int:
        with self._session() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(StaffUserRow)
                    .where(StaffUserRow.role == ADMIN, StaffUserRow.disabled.is_(False))
                )
                or 0
            )

    # --- signing in ------------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> StaffUser | None:
        """The account when ``password`` is its password and it is not disabled; None otherwise
        (an unknown name costs the same time as a wrong password). Notes the sign-in time and
        replaces a hash made with outdated parameters."""
        name = normal_username(username)
        with self._session() as session:
            row = session.scalar(select(StaffUserRow).where(StaffUserRow.username == name))
            stored = row.password_hash if row is not None else None
        ok, rehashed = passwords.verify(stored, password)
        if not ok or row is None or row.disabled:
            return None
        values: dict[str, object] = {"last_login_at": self._clock()}
        if rehashed:
            values["password_hash"] = rehashed
        with self._session.begin() as session:
            session.execute(update(StaffUserRow).where(StaffUserRow.id == row.id).values(**values))
        return self.by_id(row.id)

    # --- changing --------------------------------------------------------------------------

    def create(self, username: str, password: str, role: str) -> StaffUser:
        name = _check_username(username)
        _check_role(role)
        _check_password(password, name)
        now = self._clock()
        row = StaffUserRow(
            username=name,
            password_hash=passwords.hash_password(password),
            role=role,
            disabled=False,
            created_at=now,
            updated_at=now,
            password_changed_at=now,
        )
        try:
            with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise AccountError(texts.USERNAME_TAKEN) from None
        return user_from_row(row)

    def _required(self, username: str) -> StaffUser:
        user = self.get(username)
        if user is None:
            raise AccountError(texts.NO_SUCH_USER)
        return user

    def _update_keeping_an_admin(self, user: StaffUser, **values: object) -> None:
        """Update ``user``; refused when it would leave no active admin. The check reads the row
        as the UPDATE finds it, so two admins demoting each other at once cannot both succeed."""
        others = (
            select(func.count())
            .select_from(StaffUserRow)
            .where(StaffUserRow.role == ADMIN, StaffUserRow.disabled.is_(False), StaffUserRow.id != user.id)
            .scalar_subquery()
        )
        condition = StaffUserRow.id == user.id
        stays_admin = values.get("role", user.role) == ADMIN and not values.get("disabled", user.disabled)
        if not stays_admin:
            is_active_admin = and_(StaffUserRow.role == ADMIN, StaffUserRow.disabled.is_(False))
            condition = and_(condition, or_(~is_active_admin, others > 0))
        with self._session.begin() as session:
            changed = session.execute(
                update(StaffUserRow).where(condition).values(updated_at=self._clock(), **values)
            ).rowcount
        if not changed:
            raise AccountError(texts.LAST_ADMIN)

    def set_role(self, username: str, role: str) -> tuple[StaffUser, StaffUser]:
        """(before, after)."""
        before = self._required(username)
        self._update_keeping_an_admin(before, role=_check_role(role))
        return before, self._required(username)

    def set_disabled(self, username: str, disabled: bool) -> tuple[StaffUser, StaffUser]:
        """(before, after). The caller ends the account's sessions when it is disabled."""
        before = self._required(username)
        self._update_keeping_an_admin(before, disabled=disabled)
        return before, self._required(username)

    def set_password(self, username: str, password: str) -> StaffUser:
        """An admin's reset, or the command line's. The caller ends the account's sessions."""
        user = self._required(username)
        _check_password(password, user.username)
        now = self._clock()
        with self._session.begin() as session:
            session.execute(
                update(StaffUserRow)
                .where(StaffUserRow.id == user.id)
                .values(
                    password_hash=passwords.hash_password(password), password_changed_at=now, updated_at=now
                )
            )
        return user

    def change_own_password(self, user_id: int, old: str, new: str) -> StaffUser:
        """A staff member's own change: the current password first. The caller ends the account's
        other sessions."""
        with self._session() as session:
            row = session.get(StaffUserRow, user_id)
            if row is None or row.disabled:
                raise AccountError(texts.NO_SUCH_USER)
            stored, username = row.password_hash, row.username
        if not passwords.verify(stored, old)[0]:
            raise AccountError(texts.OLD_PASSWORD_WRONG)
        if passwords.verify(stored, new)[0]:
            raise AccountError(texts.PASSWORD_UNCHANGED)
        return self.set_password(username, new)
