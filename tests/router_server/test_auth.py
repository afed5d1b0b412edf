"""JWT verification at the edge and @authenticated/@requiresScopes/@policy enforcement."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest

from router.auth import Authenticator, AuthenticationError, PolicyRule, parse_policy_rules, scopes_from_claims
from router.config import AuthSettings, ConfigError, load_config
from tests.router_server.conftest import SECRET, RouterUnderTest, make_token

GRJ = "application/graphql-response+json"
UNAUTHORIZED = {"message": "Unauthorized field or type", "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}


def unauthorized(*path: str) -> dict:
    return {**UNAUTHORIZED, "path": list(path)}


# ------------------------------------------------------------------ authentication


class TestTokens:
    def test_no_token_is_anonymous(self, router: RouterUnderTest) -> None:
        response = router.query("{ version }")
        assert response.status_code == 200
        assert response.json() == {"data": {"version": 3}}

    @pytest.mark.parametrize(
        ("token", "message"),
        [
            (make_token(expires_in=-60), "Token has expired"),
            (make_token(secret="another-secret-key-of-enough-length-0000000000000000000000000000000"), "Invalid token"),
            (jwt.encode({"sub": "u1"}, SECRET, algorithm="HS256"), "Token is missing the required 'exp' claim"),
            (make_token(sub=42), "Token subject must be a string"),
            (make_token(algorithm="HS512"), "Invalid token"),
            ("not-a-jwt", "Invalid token"),
        ],
    )
    def test_bad_tokens_are_401_with_a_graphql_error(self, router: RouterUnderTest, token: str, message: str) -> None:
        before = len(router.engine.executed)
        for accept in ("application/json", GRJ):
            response = router.post({"query": "{ version }"}, headers={"authorization": f"Bearer {token}", "accept": accept})
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json() == {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
        assert len(router.engine.executed) == before

    def test_alg_none_is_refused(self, router: RouterUnderTest) -> None:
        token = jwt.encode({"sub": "u1", "exp": 9999999999}, None, algorithm="none")
        response = router.query("{ version }", token=token)
        assert response.status_code == 401

    def test_non_bearer_scheme_is_401(self, router: RouterUnderTest) -> None:
        response = router.post({"query": "{ version }"}, headers={"authorization": "Basic dXNlcjpwdw=="})
        assert response.status_code == 401
        assert "Bearer" in response.json()["errors"][0]["message"]

    def test_authorization_header_is_forwarded(self, router: RouterUnderTest) -> None:
        token = make_token()
        router.query("{ version }", token=token)
        assert router.engine.executed[-1]["headers"] == {"authorization": f"Bearer {token}"}

    def test_require_authentication(self, start_router: Callable[..., RouterUnderTest]) -> None:
        guarded = start_router(auth=AuthSettings(secret_key=SECRET, require_authentication=True))
        response = guarded.query("{ version }")
        assert response.status_code == 401
        assert guarded.query("{ version }", token=make_token()).status_code == 200

    def test_without_secret_tokens_are_not_verified_but_forwarded(
        self, start_router: Callable[..., RouterUnderTest]
    ) -> None:
        open_router = start_router(auth=AuthSettings(secret_key=None))
        response = open_router.query("{ me { name } version }", token="opaque")
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {"me": None, "version": 3}  # anonymous for the directives
        assert open_router.engine.executed[-1]["headers"] == {"authorization": "Bearer opaque"}


def test_authenticator_unit() -> None:
    authenticator = Authenticator(AuthSettings(secret_key=SECRET, scope_claims=("scope", "scopes", "roles")))
    principal = authenticator.authenticate(
        f"Bearer {make_token(scope='a b', scopes=['c'], roles=['d', 7])}"
    )
    assert principal.authenticated and principal.subject == "u1"
    assert principal.scopes == frozenset({"a", "b", "c", "d"})
    assert authenticator.authenticate(None).authenticated is False
    assert authenticator.authenticate("  ").authenticated is False
    with pytest.raises(AuthenticationError):
        authenticator.authenticate("Bearer ")


def test_audience_and_issuer_are_checked_when_configured() -> None:
    authenticator = Authenticator(AuthSettings(secret_key=SECRET, audience="router", issuer="users"))
    good = make_token(aud="router", iss="users")
    assert authenticator.authenticate(f"Bearer {good}").authenticated
    for bad in (make_token(aud="other", iss="users"), make_token(aud="router", iss="evil"), make_token()):
        with pytest.raises(AuthenticationError):
            authenticator.authenticate(f"Bearer {bad}")


def test_scope_claims() -> None:
    assert scopes_from_claims({"scope": "a  b"}, ("scope",)) == {"a", "b"}
    assert scopes_from_claims({"scope": ["x"], "scopes": "y z"}, ("scope", "scopes")) == {"x", "y", "z"}
    assert scopes_from_claims({"roles": ["admin"]}, ("scope", "scopes")) == frozenset()


def test_config_refuses_weak_or_inconsistent_auth_settings() -> None:
    with pytest.raises(ConfigError, match="too short"):
        load_config({"SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="ALGORITHM"):
        load_config({"SECRET_KEY": SECRET, "ALGORITHM": "none"})
    with pytest.raises(ConfigError, match="needs SECRET_KEY"):
        load_config({"ROUTER_REQUIRE_AUTHENTICATION": "true"})
    with pytest.raises(ConfigError, match="ROUTER_POLICIES"):
        load_config({"ROUTER_POLICIES": '{"p": 3}'})


def test_policy_rules() -> None:
    rules = parse_policy_rules(
        {"open": True, "member": "authenticated", "staff": {"scopes": ["staff"], "claims": {"dept": ["a", "b"]}}}
    )
    assert rules["open"] == PolicyRule(public=True)
    from router.auth import ANONYMOUS, Principal

    staff = Principal(claims={"dept": "b"}, scopes=frozenset({"staff"}), authenticated=True)
    outsider = Principal(claims={"dept": "c"}, scopes=frozenset({"staff"}), authenticated=True)
    assert rules["open"].grants(ANONYMOUS)
    assert not rules["member"].grants(ANONYMOUS) and rules["member"].grants(outsider)
    assert rules["staff"].grants(staff) and not rules["staff"].grants(outsider)
    authenticator = Authenticator(AuthSettings(secret_key=SECRET, policies={"member": "authenticated"}))
    assert authenticator.granted_policies(staff, frozenset({"member", "unknown"})) == {"member"}


# ------------------------------------------------------------------- authorization


class TestAuthorization:
    def test_unauthenticated_fields_come_back_null_with_errors_and_the_rest_intact(
        self, router: RouterUnderTest
    ) -> None:
        response = router.query("{ version me { name } products { name price } }")
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == {
            "version": 3,
            "me": None,
            "products": [{"name": "Lamp", "price": None}, {"name": "Desk", "price": None}],
        }
        assert body["errors"] == [unauthorized("me"), unauthorized("products", "@", "price")]
        # Nothing unauthorized was sent on.
        sent = router.engine.executed[-1]["query"]
        assert sent == "{\n  version\n  products {\n    name\n  }\n}"

    def test_authenticated_caller_gets_everything_that_needs_no_scope(self, router: RouterUnderTest) -> None:
        response = router.query("{ me { name email } products { price } }", token=make_token())
        body = response.json()
        assert body["data"]["me"] == {"name": "Ann", "email": None}
        assert body["data"]["products"][0]["price"] == 10.5
        assert body["errors"] == [unauthorized("me", "email")]

    def test_scopes_or_of_ands(self, router: RouterUnderTest) -> None:
        query = "{ secret }"
        assert router.query(query, token=make_token(scope="admin")).json() == {"data": {"secret": "s3cr3t"}}
        assert router.query(query, token=make_token(scope="ops read:secret")).json() == {"data": {"secret": "s3cr3t"}}
        assert router.query(query, token=make_token(scopes=["ops", "read:secret"])).json() == {"data": {"secret": "s3cr3t"}}
        partial = router.query(query, token=make_token(scope="ops")).json()
        assert partial == {"data": {"secret": None}, "errors": [unauthorized("secret")]}

    def test_policy_is_denied_unless_configured_rule_grants_it(self, router: RouterUnderTest) -> None:
        # conftest grants "billing" to tokens with the "finance" scope.
        denied = router.query("{ billing }", token=make_token(scope="admin")).json()
        assert denied == {"data": {"billing": None}, "errors": [unauthorized("billing")]}
        granted = router.query("{ billing }", token=make_token(scope="finance")).json()
        assert granted == {"data": {"billing": "invoice"}}

    def test_aliases_are_used_in_paths(self, router: RouterUnderTest) -> None:
        body = router.query("{ moi: me { name } }").json()
        assert body == {"data": {"moi": None}, "errors": [unauthorized("moi")]}

    def test_everything_removed_still_answers_with_the_clients_shape(self, router: RouterUnderTest) -> None:
        body = router.query("{ me { id } secret }").json()
        assert body["data"] == {"me": None, "secret": None}
        assert body["errors"] == [unauthorized("me"), unauthorized("secret")]

    def test_type_level_requirement_on_a_fragment(self, router: RouterUnderTest) -> None:
        query = "{ posts { id ... on PublicPost { title } ... on PrivatePost { title } } }"
        body = router.query(query).json()
        # `id` is selected on the interface and PrivatePost requires auth, so `posts` itself is
        # unauthorized (Apollo Router's rule); it is non-null, so null propagates to `data`.
        assert body["data"] is None
        assert unauthorized("posts") in body["errors"]

    def test_fragments_only_on_an_interface_filter_the_unauthorized_type(self, router: RouterUnderTest) -> None:
        query = "{ posts { ... on PublicPost { title } ...Private } } fragment Private on PrivatePost { title }"
        body = router.query(query).json()
        assert body["errors"] == [unauthorized("posts", "@", "... on PrivatePost")]
        assert body["data"]["posts"][0] == {"title": "open"}
        authed = router.query(query, token=make_token()).json()
        assert authed == {"data": {"posts": [{"title": "open"}, {"title": "closed"}]}}

    def test_union_member_requirement(self, router: RouterUnderTest) -> None:
        query = "{ search { ... on Product { name } ... on PrivatePost { title } } }"
        body = router.query(query).json()
        assert body["data"] == {"search": [{"name": "Lamp"}]}
        assert body["errors"] == [unauthorized("search", "@", "... on PrivatePost")]

    def test_type_requirement_through_a_nested_field_and_named_fragment(self, router: RouterUnderTest) -> None:
        query = "query Q { products { ...P } } fragment P on Product { name reviews { body author { name } } }"
        body = router.query(query).json()
        assert body["data"]["products"][0] == {"name": "Lamp", "reviews": [{"body": "bright", "author": None}]}
        assert body["errors"] == [unauthorized("products", "@", "reviews", "@", "author")]

    def test_introspection_is_not_filtered(self, router: RouterUnderTest) -> None:
        body = router.query('{ __type(name: "User") { name } __typename }').json()
        assert body == {"data": {"__type": {"name": "User"}, "__typename": "Query"}}

    def test_plans_are_cached_per_verdict_not_per_caller(self, router: RouterUnderTest) -> None:
        query = "query PerVerdict { me { name } version }"
        for sub in ("a", "b", "c"):
            router.query(query, token=make_token(sub=sub))
        router.query(query)
        keys = [key for key in router.engine.plan_calls if key.startswith(query)]
        # authenticated callers share the unfiltered text; the anonymous one has its own key.
        assert keys.count(query) == 3
        assert len(set(keys)) == 2
