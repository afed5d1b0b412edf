"""Authorization metadata read from ``@authenticated``, ``@requiresScopes`` and ``@policy``.

The router enforces these before planning; it needs them per API-schema coordinate, already
resolved through ``@link`` renames, so the enforcement code never parses directives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import ConstValueNode, DirectiveNode, ListValueNode, StringValueNode


@dataclass(frozen=True)
class AuthRequirements:
    """What a caller needs for one coordinate. ``requires_scopes``/``policies`` are OR-of-AND lists."""

    authenticated: bool = False
    requires_scopes: tuple[tuple[str, ...], ...] = ()
    policies: tuple[tuple[str, ...], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.authenticated or self.requires_scopes or self.policies)


NO_REQUIREMENTS = AuthRequirements()


@dataclass(frozen=True)
class Authorization:
    """Requirements per type name and per ``(type, field)``; coordinates without any are absent."""

    types: dict[str, AuthRequirements] = field(default_factory=dict)
    fields: dict[tuple[str, str], AuthRequirements] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.types and not self.fields

    def type(self, type_name: str) -> AuthRequirements:
        return self.types.get(type_name, NO_REQUIREMENTS)

    def field(self, type_name: str, field_name: str) -> AuthRequirements:
        return self.fields.get((type_name, field_name), NO_REQUIREMENTS)


@dataclass(frozen=True)
class AuthDirectiveNames:
    authenticated: str | None
    requires_scopes: str | None
    policy: str | None


def _nested_strings(value: ConstValueNode | None) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, ListValueNode):
        return ()
    groups: list[tuple[str, ...]] = []
    for group in value.values:
        if isinstance(group, ListValueNode):
            groups.append(tuple(v.value for v in group.values if isinstance(v, StringValueNode)))
        elif isinstance(group, StringValueNode):
            groups.append((group.value,))
    return tuple(groups)


def requirements_from(directives: tuple[DirectiveNode, ...] | list[DirectiveNode], names: AuthDirectiveNames) -> AuthRequirements:
    """Combine the auth directives applied to one element (repeated applications are ANDed)."""
    authenticated = False
    scopes: tuple[tuple[str, ...], ...] = ()
    policies: tuple[tuple[str, ...], ...] = ()
    for directive in directives:
        name = directive.name.value
        args = {a.name.value: a.value for a in directive.arguments or ()}
        if name == names.authenticated:
            authenticated = True
        elif name == names.requires_scopes:
            scopes = _and(scopes, _nested_strings(args.get("scopes")))  # type: ignore[arg-type]
        elif name == names.policy:
            policies = _and(policies, _nested_strings(args.get("policies")))  # type: ignore[arg-type]
    return AuthRequirements(authenticated, scopes, policies)


def _and(left: tuple[tuple[str, ...], ...], right: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """AND of two OR-of-AND lists: every pairing of one alternative from each side."""
    if not left:
        return right
    if not right:
        return left
    combined: list[tuple[str, ...]] = []
    for a in left:
        for b in right:
            merged = tuple(dict.fromkeys(a + b))
            if merged not in combined:
                combined.append(merged)
    return tuple(combined)
