import time

import jwt
import pytest

from subgraphs.common.auth import (
    AuthError,
    bearer_token,
    create_access_token,
    hash_password,
    verify_access_token,
    verify_password,
)
from subgraphs.common.settings import load_settings
from tests.conftest import TEST_SECRET_KEY

SETTINGS = load_settings("users", {"SECRET_KEY": TEST_SECRET_KEY, "FAST_PASSWORD_HASHING": "1"})


def test_token_round_trip_carries_user_and_roles() -> None:
    token = create_access_token(SETTINGS, 42, ["admin"])
    principal = verify_access_token(SETTINGS, token)
    assert principal.user_id == 42
    assert principal.is_admin
    claims = jwt.decode(token, TEST_SECRET_KEY, algorithms=["HS256"])
    assert claims["sub"] == "42" and claims["scope"] == "admin" and claims["exp"] > claims["iat"]


def test_expired_token_is_refused() -> None:
    token = create_access_token(SETTINGS, 1, now=time.time() - 2 * 3600)
    with pytest.raises(AuthError, match="expired"):
        verify_access_token(SETTINGS, token)


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"sub": "1", "exp": int(time.time()) + 60}, "another-secret-key-of-enough-length-000000", algorithm="HS256"),
        jwt.encode({"sub": "1"}, TEST_SECRET_KEY, algorithm="HS256"),  # no exp
        jwt.encode({"exp": int(time.time()) + 60}, TEST_SECRET_KEY, algorithm="HS256"),  # no sub
        jwt.encode({"sub": "abc", "exp": int(time.time()) + 60}, TEST_SECRET_KEY, algorithm="HS256"),
        jwt.encode({"sub": "1", "exp": int(time.time()) + 60}, TEST_SECRET_KEY, algorithm="HS512"),
        jwt.encode({"sub": "1", "exp": int(time.time()) + 60}, None, algorithm="none"),
        "not-a-jwt",
    ],
    ids=["forged", "no-exp", "no-sub", "bad-sub", "other-alg", "alg-none", "garbage"],
)
def test_invalid_tokens_are_refused(token: str) -> None:
    with pytest.raises(AuthError):
        verify_access_token(SETTINGS, token)


def test_bearer_header_parsing() -> None:
    assert bearer_token(None) is None
    assert bearer_token("") is None
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    with pytest.raises(AuthError):
        bearer_token("Basic dXNlcjpwYXNz")
    with pytest.raises(AuthError):
        bearer_token("Bearer ")


async def test_passwords_are_hashed_with_argon2id() -> None:
    hashed = await hash_password(SETTINGS, "correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert await verify_password(SETTINGS, "correct horse battery", hashed)
    assert not await verify_password(SETTINGS, "wrong horse battery", hashed)
    assert not await verify_password(SETTINGS, "anything", None)


async def test_long_passwords_are_not_truncated() -> None:
    base = "x" * 100
    hashed = await hash_password(SETTINGS, base + "A")
    assert not await verify_password(SETTINGS, base + "B", hashed)
