"""Who is calling: JWT verification and the claims the authorization directives read.

The router verifies the bearer token itself so that ``@authenticated`` /
``@requiresScopes`` / ``@policy`` can be enforced before any subgraph is called; the
header is still forwarded so subgraphs can check it again. A request without a
token is anonymous (not an error); a token that is present but bad is an error, so
a client never silently loses its identity because of a typo or an expired token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from router.config import AuthSettings, ConfigError


class AuthenticationError(Exception):
    """The presented credentials are unusable; the message is safe to show the client."""


@dataclass(frozen=True)
class PolicyRule:
    """When a ``@policy`` name is granted. All given conditions must hold."""

    public: bool = False
    authenticated: bool = True
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def grants(self, principal: "Principal") -> bool:
        if self.public:
            return True
        if self.authenticated and not principal.authenticated:
            return False
        if not self.scopes <= principal.scopes:
            return False
        for name, accepted in self.claims.items():
            value = principal.claims.get(name)
            values = value if isinstance(value, list) else [value]
            if not any(item in accepted for item in values):
                return False
        return True


def parse_policy_rules(raw: Mapping[str, Any]) -> dict[str, PolicyRule]:
    """Read ``ROUTER_POLICIES``: ``{"name": true | "authenticated" | {"scopes": [...], "claims": {...}}}``."""
    rules: dict[str, PolicyRule] = {}
    for name, spec in raw.items():
        if spec is True or spec == "public":
            rules[name] = PolicyRule(public=True)
        elif spec == "authenticated":
            rules[name] = PolicyRule()
        elif isinstance(spec, dict):
            unknown = set(spec) - {"authenticated", "scopes", "claims"}
            if unknown:
                raise ConfigError(f"ROUTER_POLICIES[{name!r}] has unknown keys: {', '.join(sorted(unknown))}")
            scopes = spec.get("scopes", [])
            claims = spec.get("claims", {})
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise ConfigError(f"ROUTER_POLICIES[{name!r}].scopes must be a list of strings")
            if not isinstance(claims, dict):
                raise ConfigError(f"ROUTER_POLICIES[{name!r}].claims must be an object")
            rules[name] = PolicyRule(
                authenticated=bool(spec.get("authenticated", True)),
                scopes=frozenset(scopes),
                claims={key: tuple(v if isinstance(v, list) else [v]) for key, v in claims.items()},
            )
        else:
            raise ConfigError(
                f"ROUTER_POLICIES[{name!r}] must be true, \"authenticated\" or an object with scopes/claims"
            )
    return rules


@dataclass(frozen=True)
class Principal:
    """The verified identity of one request; anonymous when no token was sent."""

    claims: Mapping[str, Any] = field(default_factory=dict)
    scopes: frozenset[str] = frozenset()
    authenticated: bool = False

    @property
    def subject(self) -> str | None:
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else None


ANONYMOUS = Principal()


def scopes_from_claims(claims: Mapping[str, Any], claim_names: tuple[str, ...]) -> frozenset[str]:
    """Scopes from OAuth2-style strings (``"a b c"``) and/or lists of strings."""
    scopes: set[str] = set()
    for name in claim_names:
        value = claims.get(name)
        if isinstance(value, str):
            scopes.update(value.split())
        elif isinstance(value, list):
            scopes.update(item for item in value if isinstance(item, str))
    return frozenset(scopes)


class Authenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self.policy_rules = parse_policy_rules(settings.policies)

    @property
    def enabled(self) -> bool:
        return self._settings.enabled

    def authenticate(self, authorization: str | None) -> Principal:
        """Verify the header's bearer token; raise :class:`AuthenticationError` when it is bad.

        Without a configured key, tokens cannot be checked: the request is treated as
        anonymous (the header is still forwarded, subgraphs decide).
        """
        if authorization is None or not authorization.strip():
            return ANONYMOUS
        if not self.enabled:
            return ANONYMOUS
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("Authorization header must be 'Bearer <token>'")
        settings = self._settings
        try:
            claims = jwt.decode(
                token,
                settings.secret_key,
                algorithms=[settings.algorithm],
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_seconds,
                options={"require": ["exp", "sub"], "verify_aud": settings.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("Token has expired") from None
        except jwt.exceptions.InvalidSubjectError:
            raise AuthenticationError("Token subject must be a string") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationError(f"Token is missing the required '{exc.claim}' claim") from None
        except jwt.PyJWTError:
            raise AuthenticationError("Invalid token") from None
        return Principal(
            claims=claims,
            scopes=scopes_from_claims(claims, settings.scope_claims),
            authenticated=True,
        )

    def granted_policies(self, principal: Principal, names: frozenset[str]) -> frozenset[str]:
        """The subset of ``names`` this principal passes; unknown policies are denied."""
        return frozenset(
            name for name in names if (rule := self.policy_rules.get(name)) is not None and rule.grants(principal)
        )
