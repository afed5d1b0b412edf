"""The users subgraph over HTTP: registration, login, me, preferences, errors, events."""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import jwt
import pytest

from subgraphs.common.events import Event
from tests.conftest import TEST_SECRET_KEY
from tests.support.rabbit import RabbitClient
from tests.users.conftest import UsersService

ME = "{ me { id name email preferences { promotions orderUpdates recommendations } } }"


def unique_email() -> str:
    return f"u-{uuid.uuid4().hex[:10]}@Example.com"


def error_codes(result: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


def test_register_returns_the_original_shape_with_default_preferences(users_service: UsersService) -> None:
    email = unique_email()
    user = users_service.register(email)
    assert isinstance(user["id"], int)
    assert user["name"] == "Test User"
    assert user["email"] == email.lower()
    assert user["preferences"] == {"promotions": True, "orderUpdates": True, "recommendations": True}


def test_register_with_explicit_preferences(users_service: UsersService) -> None:
    user = users_service.register(promotions=False, recommendations=False)
    assert user["preferences"] == {"promotions": False, "orderUpdates": True, "recommendations": False}


@pytest.mark.parametrize(
    ("name", "email", "password", "message"),
    [
        ("", "a@example.com", "s3cure-Passw0rd", "Name must not be empty"),
        ("   ", "a@example.com", "s3cure-Passw0rd", "Name must not be empty"),
        ("Ann", "not-an-email", "s3cure-Passw0rd", "Email address is not valid"),
        ("Ann", "a@b", "s3cure-Passw0rd", "Email address is not valid"),
        ("Ann", "a@example.com", "", "Password must not be empty"),
        ("Ann", "a@example.com", "short1", "at least 8 characters"),
        ("Ann", "a@example.com", "password123", "too easy to guess"),
        ("Ann", "a@example.com", "aaaaaaaaaa", "too easy to guess"),
    ],
)
def test_invalid_registrations_get_clear_errors(
    users_service: UsersService, name: str, email: str, password: str, message: str
) -> None:
    result = users_service.gql(
        "mutation($i: UserInput!) { register(userInput: $i) { id } }",
        {"i": {"name": name, "email": email, "password": password}},
    )
    assert result["data"] is None
    assert message in result["errors"][0]["message"]
    assert error_codes(result) == ["BAD_USER_INPUT"]


def test_duplicate_email_is_refused_case_insensitively(users_service: UsersService) -> None:
    email = unique_email()
    users_service.register(email)
    result = users_service.gql(
        "mutation($i: UserInput!) { register(userInput: $i) { id } }",
        {"i": {"name": "Again", "email": email.upper(), "password": "an0ther-Passw0rd"}},
    )
    assert "already exists" in result["errors"][0]["message"]
    assert error_codes(result) == ["BAD_USER_INPUT"]


def test_concurrent_registrations_of_one_email_create_one_account(users_service: UsersService) -> None:
    email = unique_email()
    query = "mutation($i: UserInput!) { register(userInput: $i) { id } }"
    variables = {"i": {"name": "Racer", "email": email, "password": "s3cure-Passw0rd"}}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: users_service.gql(query, variables), range(8)))
    successes = [r for r in results if r.get("data") and r["data"]["register"]]
    failures = [r for r in results if "errors" in r]
    assert len(successes) == 1
    assert len(failures) == 7
    assert all(error_codes(r) == ["BAD_USER_INPUT"] for r in failures)


def test_login_returns_a_token_for_the_user(users_service: UsersService) -> None:
    email = unique_email()
    user = users_service.register(email)
    result = users_service.gql(
        "mutation($i: LoginInput!) { login(loginInput: $i) { token userId } }",
        {"i": {"email": email, "password": "s3cure-Passw0rd"}},
    )
    login = result["data"]["login"]
    assert login["userId"] == user["id"]
    claims = jwt.decode(login["token"], TEST_SECRET_KEY, algorithms=["HS256"])
    assert claims["sub"] == str(user["id"]) and claims["exp"] > time.time()


def test_wrong_password_and_unknown_email_are_indistinguishable(users_service: UsersService) -> None:
    email = unique_email()
    users_service.register(email)
    query = "mutation($i: LoginInput!) { login(loginInput: $i) { token } }"
    wrong = users_service.gql(query, {"i": {"email": email, "password": "not-the-Passw0rd"}})
    unknown = users_service.gql(query, {"i": {"email": unique_email(), "password": "s3cure-Passw0rd"}})
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"] == "Invalid email or password"
    assert error_codes(wrong) == error_codes(unknown)


def test_me_requires_a_token(users_service: UsersService) -> None:
    result = users_service.gql(ME)
    assert result["data"] == {"me": None}
    assert error_codes(result) == ["UNAUTHENTICATED"]


def test_me_returns_the_caller(users_service: UsersService) -> None:
    email = unique_email()
    user = users_service.register(email)
    token = users_service.login(email)
    assert users_service.gql(ME, token=token)["data"]["me"] == user


@pytest.mark.parametrize("kind", ["expired", "forged", "garbage", "not-bearer", "no-exp"])
def test_bad_tokens_get_401_in_graphql_format(users_service: UsersService, kind: str) -> None:
    now = int(time.time())
    tokens = {
        "expired": jwt.encode({"sub": "1", "exp": now - 10}, TEST_SECRET_KEY, algorithm="HS256"),
        "forged": jwt.encode({"sub": "1", "exp": now + 60}, "x" * 40, algorithm="HS256"),
        "garbage": "abc.def.ghi",
        "no-exp": jwt.encode({"sub": "1"}, TEST_SECRET_KEY, algorithm="HS256"),
    }
    header = "Basic dXNlcjpwYXNz" if kind == "not-bearer" else f"Bearer {tokens[kind]}"
    response = users_service.client.post("/graphql", json={"query": ME}, headers={"Authorization": header})
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Traceback" not in response.text


def test_update_preferences_changes_only_what_is_given(users_service: UsersService) -> None:
    email = unique_email()
    users_service.register(email)
    token = users_service.login(email)
    result = users_service.gql(
        "mutation { updatePreferences(prefsInput: {preferences: {promotions: false}}) { preferences { promotions orderUpdates recommendations } } }",
        token=token,
    )
    assert result["data"]["updatePreferences"]["preferences"] == {
        "promotions": False,
        "orderUpdates": True,
        "recommendations": True,
    }
    assert users_service.gql(ME, token=token)["data"]["me"]["preferences"]["promotions"] is False


def test_update_preferences_requires_a_token(users_service: UsersService) -> None:
    result = users_service.gql("mutation { updatePreferences(prefsInput: {preferences: {promotions: false}}) { id } }")
    assert error_codes(result) == ["UNAUTHENTICATED"]


def test_malformed_requests_get_graphql_errors(users_service: UsersService) -> None:
    response = users_service.client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]
    syntax = users_service.gql("{ me { id ")
    assert syntax["errors"][0]["message"].startswith("Syntax Error")
    unknown = users_service.gql("{ nope }")
    assert "Cannot query field 'nope'" in unknown["errors"][0]["message"]


def test_entities_resolve_only_the_callers_own_user(users_service: UsersService) -> None:
    own_email, other_email = unique_email(), unique_email()
    own = users_service.register(own_email)
    other = users_service.register(other_email)
    token = users_service.login(own_email)
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }"
    mine = users_service.gql(query, {"r": [{"__typename": "User", "id": own["id"]}]}, token=token)
    assert mine["data"]["_entities"] == [{"id": own["id"], "name": "Test User", "email": own_email.lower()}]
    theirs = users_service.gql(query, {"r": [{"__typename": "User", "id": other["id"]}]}, token=token)
    assert theirs["data"]["_entities"] == [None]
    assert error_codes(theirs) == ["FORBIDDEN"]


def test_passwords_are_never_returned_or_logged(users_service: UsersService) -> None:
    secret = f"Unlogged-{uuid.uuid4().hex}"
    email = unique_email()
    users_service.register(email, password=secret)
    users_service.login(email, password=secret)
    users_service.gql(
        "mutation($i: LoginInput!) { login(loginInput: $i) { token } }", {"i": {"email": email, "password": secret + "x"}}
    )
    assert secret not in users_service.log_path.read_text()
    # No output type can carry a password or its hash.
    fields = users_service.gql("{ __schema { types { kind fields { name } } } }")["data"]["__schema"]["types"]
    output_fields = [f["name"] for t in fields if t["kind"] in ("OBJECT", "INTERFACE") for f in t["fields"] or []]
    assert output_fields and not [name for name in output_fields if "password" in name.lower()]


def test_registration_and_preference_changes_are_published(users_service: UsersService) -> None:
    queue = users_service.namespace + "notifications.user_events"
    rabbit = RabbitClient()
    try:
        rabbit.drain(queue)
        email = unique_email()
        user = users_service.register(email, orderUpdates=False)
        token = users_service.login(email)
        users_service.gql("mutation { updatePreferences(prefsInput: {preferences: {promotions: false}}) { id } }", token=token)
        events = [Event.from_json(rabbit.get(queue)[1]) for _ in range(2)]
    finally:
        rabbit.close()
    registered, changed = events
    assert registered.type == "user.registered"
    assert registered.data == {
        "user_id": user["id"],
        "name": "Test User",
        "preferences": {"promotions": True, "order_updates": False, "recommendations": True},
        "preferences_version": 1,
    }
    assert changed.type == "user.preferences_changed"
    assert changed.data == {
        "user_id": user["id"],
        "preferences": {"promotions": False, "order_updates": False, "recommendations": True},
        "preferences_version": 2,
    }


def test_health_reports_database_and_broker(users_service: UsersService) -> None:
    response = users_service.client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["jobs"] == {}  # users runs no scheduled jobs
