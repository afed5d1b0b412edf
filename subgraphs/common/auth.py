"""Tokens and passwords.

Every subgraph verifies the bearer token it receives itself (the router forwards the
client's ``Authorization`` header); nothing trusts a bare user-id header. Tokens are
HS* JWTs with ``sub`` = the user id as a string (PyJWT rejects non-string subjects),
``exp`` always required, and the algorithm pinned to the configured one so a token
claiming ``alg: none`` or another algorithm is refused.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import jwt
from passlib.context import CryptContext

from subgraphs.common.settings import Settings


class AuthError(Exception):
    """The presented credentials are invalid (bad signature, expired, malformed)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by a verified token."""

    user_id: int
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def create_access_token(settings: Settings, user_id: int, roles: Iterable[str] = (), *, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    role_list = sorted(set(roles))
    claims = {
        "sub": str(user_id),
        "iat": issued,
        "exp": issued + settings.access_token_minutes * 60,
        "roles": role_list,
        # OAuth-style scope string: what the router's @requiresScopes checks.
        "scope": " ".join(role_list),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=settings.algorithm)


def verify_access_token(settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[settings.algorithm],
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token has expired") from None
    except jwt.PyJWTError:
        raise AuthError("invalid token") from None
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        raise AuthError("invalid token subject") from None
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise AuthError("invalid token roles")
    return Principal(user_id=user_id, roles=frozenset(roles))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None when absent.

    A present header that is not a well-formed bearer credential is an error, not anonymity.
    """
    if authorization is None or authorization.strip() == "":
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("Authorization header must be 'Bearer <token>'")
    return token.strip()


@lru_cache(maxsize=2)
def password_context(fast: bool = False) -> CryptContext:
    """argon2id through the passlib API (the maintained libpass fork).

    ``fast`` keeps argon2id but with tiny cost parameters, for test suites only.
    """
    if fast:
        return CryptContext(
            schemes=["argon2"],
            deprecated="auto",
            argon2__memory_cost=1024,
            argon2__rounds=1,
            argon2__parallelism=1,
        )
    return CryptContext(schemes=["argon2"], deprecated="auto")


async def hash_password(settings: Settings, password: str) -> str:
    # Hashing costs ~200 ms of CPU: keep it off the event loop.
    return await asyncio.to_thread(password_context(settings.fast_password_hashing).hash, password)


async def verify_password(settings: Settings, password: str, password_hash: str | None) -> bool:
    context = password_context(settings.fast_password_hashing)
    if password_hash is None:
        # Spend the same time as a real check so unknown emails are not distinguishable by timing.
        await asyncio.to_thread(context.dummy_verify)
        return False
    return await asyncio.to_thread(context.verify, password, password_hash)
