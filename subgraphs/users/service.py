"""Account rules of the users service, free of GraphQL so resolvers and CLIs share them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from subgraphs.common.auth import create_access_token, hash_password, verify_password
from subgraphs.common.database import Database
from subgraphs.common.errors import BadUserInput, NotFound
from subgraphs.common.settings import Settings
from subgraphs.users.models import UserRow, events

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_NAME_LENGTH = 100
MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 8
# Bounded so a huge "password" cannot make hashing a denial of service.
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwertyuiop",
        "qwerty123", "iloveyou", "11111111", "00000000", "abc12345", "letmein1", "welcome1",
        "admin123", "changeme", "passw0rd", "sunshine", "football", "baseball",
    }
)
INVALID_CREDENTIALS = "Invalid email or password"


@dataclass(frozen=True)
class PreferenceChanges:
    promotions: bool | None = None
    order_updates: bool | None = None
    recommendations: bool | None = None


@dataclass(frozen=True)
class LoginResult:
    token: str
    user_id: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_registration(name: str, email: str, password: str) -> tuple[str, str]:
    clean_name = name.strip()
    if not clean_name:
        raise BadUserInput("Name must not be empty", field="name")
    if len(clean_name) > MAX_NAME_LENGTH:
        raise BadUserInput(f"Name must be at most {MAX_NAME_LENGTH} characters", field="name")
    clean_email = normalise_email(email)
    if len(clean_email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(clean_email):
        raise BadUserInput("Email address is not valid", field="email")
    if not password or not password.strip():
        raise BadUserInput("Password must not be empty", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadUserInput(f"Password must be at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadUserInput(f"Password must be at most {MAX_PASSWORD_LENGTH} characters", field="password")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise BadUserInput("Password is too easy to guess", field="password")
    if password.lower() == clean_email.split("@")[0]:
        raise BadUserInput("Password must not be your email address", field="password")
    return clean_name, clean_email


def _preferences_event(user: UserRow) -> dict[str, object]:
    return {
        "user_id": user.id,
        "preferences": user.preferences_dict(),
        "preferences_version": user.preferences_version,
    }


async def register(
    database: Database, settings: Settings, *, name: str, email: str, password: str, preferences: PreferenceChanges
) -> UserRow:
    clean_name, clean_email = validate_registration(name, email, password)
    password_hash = await hash_password(settings, password)  # outside the transaction: it is slow
    try:
        async with database.transaction() as session:
            existing = await session.scalar(select(UserRow.id).where(UserRow.email == clean_email))
            if existing is not None:
                raise BadUserInput("An account with this email already exists", field="email")
            user = UserRow(
                name=clean_name,
                email=clean_email,
                password_hash=password_hash,
                roles="",
                pref_promotions=True if preferences.promotions is None else preferences.promotions,
                pref_order_updates=True if preferences.order_updates is None else preferences.order_updates,
                pref_recommendations=True if preferences.recommendations is None else preferences.recommendations,
                preferences_version=1,
            )
            session.add(user)
            await session.flush()
            await events.enqueue(
                session, "user.registered", {**_preferences_event(user), "name": user.name}
            )
    except IntegrityError:
        # Two registrations of one email raced; the unique index decided.
        raise BadUserInput("An account with this email already exists", field="email") from None
    return user


async def login(database: Database, settings: Settings, *, email: str, password: str) -> LoginResult:
    async with database.session() as session:
        user = await session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)))
    # Same message and (roughly) the same time for unknown email and wrong password.
    password_ok = await verify_password(settings, password or "", user.password_hash if user else None)
    if user is None or not password_ok:
        raise BadUserInput(INVALID_CREDENTIALS)
    return LoginResult(token=create_access_token(settings, user.id, user.role_set), user_id=user.id)


async def users_by_id(database: Database, ids: Sequence[int]) -> dict[int, UserRow]:
    async with database.session() as session:
        rows = (await session.scalars(select(UserRow).where(UserRow.id.in_(set(ids))))).all()
    return {row.id: row for row in rows}


async def update_preferences(database: Database, user_id: int, changes: PreferenceChanges) -> UserRow:
    async with database.transaction() as session:
        user = await session.scalar(select(UserRow).where(UserRow.id == user_id).with_for_update())
        if user is None:
            raise NotFound("User not found")
        updated = False
        for attribute, value in (
            ("pref_promotions", changes.promotions),
            ("pref_order_updates", changes.order_updates),
            ("pref_recommendations", changes.recommendations),
        ):
            if value is not None and getattr(user, attribute) != value:
                setattr(user, attribute, value)
                updated = True
        if updated:
            user.preferences_version += 1
            await session.flush()
            await events.enqueue(session, "user.preferences_changed", _preferences_event(user))
    return user


async def grant_role(database: Database, email: str, role: str) -> UserRow:
    async with database.transaction() as session:
        user = await session.scalar(select(UserRow).where(UserRow.email == normalise_email(email)).with_for_update())
        if user is None:
            raise NotFound(f"No user with email {email}")
        user.roles = " ".join(sorted(user.role_set | {role}))
    return user
