"""Classifying the changes between two API schemas: breaking, dangerous or safe.

graphql-core finds breaking and dangerous changes; we add the safe ones it does
not report (additions, descriptions, deprecations) and, from the supergraphs,
auth requirement changes, which break clients without being visible in the
API schema's types.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
)

from router.composition.model import Schema
from router.composition.sdl import build_schema_model

BREAKING = "breaking"
DANGEROUS = "dangerous"
SAFE = "safe"


@dataclass(frozen=True)
class SchemaChange:
    level: str
    kind: str
    description: str

    def format(self) -> str:
        return f"{self.level.upper():<9} {self.kind}: {self.description}"


def diff_api_schemas(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    changes = [SchemaChange(BREAKING, c.type.name, c.description) for c in find_breaking_changes(old, new)]
    changes += [SchemaChange(DANGEROUS, c.type.name, c.description) for c in find_dangerous_changes(old, new)]
    changes += _safe_changes(old, new)
    return changes


def _user_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {name: t for name, t in schema.type_map.items() if not name.startswith("__")}


def _safe_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[SchemaChange]:
    changes: list[SchemaChange] = []
    old_types = _user_types(old)
    for name, new_type in _user_types(new).items():
        old_type = old_types.get(name)
        if old_type is None:
            changes.append(SchemaChange(SAFE, "TYPE_ADDED", f"{name} was added."))
            continue
        if type(old_type) is not type(new_type):
            continue
        if (old_type.description or "") != (new_type.description or ""):
            changes.append(SchemaChange(SAFE, "DESCRIPTION_CHANGED", f"Description of {name} changed."))
        if isinstance(new_type, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(old_type, GraphQLObjectType | GraphQLInterfaceType)
            for field_name, f in new_type.fields.items():
                old_field = old_type.fields.get(field_name)
                if old_field is None:
                    changes.append(SchemaChange(SAFE, "FIELD_ADDED", f"{name}.{field_name} was added."))
                    continue
                if (old_field.description or "") != (f.description or ""):
                    changes.append(SchemaChange(SAFE, "DESCRIPTION_CHANGED", f"Description of {name}.{field_name} changed."))
                if f.deprecation_reason and not old_field.deprecation_reason:
                    changes.append(SchemaChange(SAFE, "FIELD_DEPRECATED", f"{name}.{field_name} was deprecated."))
                if old_field.deprecation_reason and not f.deprecation_reason:
                    changes.append(SchemaChange(SAFE, "DEPRECATION_REMOVED", f"{name}.{field_name} is no longer deprecated."))
        elif isinstance(new_type, GraphQLEnumType):
            assert isinstance(old_type, GraphQLEnumType)
            for value_name, v in new_type.values.items():
                old_value = old_type.values.get(value_name)
                if old_value is not None and v.deprecation_reason and not old_value.deprecation_reason:
                    changes.append(SchemaChange(SAFE, "ENUM_VALUE_DEPRECATED", f"{name}.{value_name} was deprecated."))
        elif isinstance(new_type, GraphQLInputObjectType):
            assert isinstance(old_type, GraphQLInputObjectType)
            for field_name, f in new_type.fields.items():
                old_field = old_type.fields.get(field_name)
                if old_field is not None and (old_field.description or "") != (f.description or ""):
                    changes.append(SchemaChange(SAFE, "DESCRIPTION_CHANGED", f"Description of {name}.{field_name} changed."))
    old_directives = {d.name for d in old.directives}
    for d in new.directives:
        if d.name not in old_directives:
            changes.append(SchemaChange(SAFE, "DIRECTIVE_ADDED", f"@{d.name} was added."))
    return changes


_AUTH_DIRECTIVES = ("authenticated", "requiresScopes", "policy")


def _auth_requirements(supergraph_sdl: str) -> dict[str, tuple[str, ...]]:
    """coordinate -> printed auth directives, read from a supergraph's @link names."""
    from router.composition.model import print_directive

    model: Schema = build_schema_model(parse(supergraph_sdl))
    names: dict[str, str] = {}
    for d in model.schema_directives:
        url = d.arg_value("url")
        if not isinstance(url, str):
            continue
        for spec in _AUTH_DIRECTIVES:
            if f"/{spec}/v" in url:
                names[spec] = spec
                for item in d.arg_value("import") or []:
                    if isinstance(item, dict) and item.get("name") == "@" + spec and item.get("as"):
                        names[spec] = str(item["as"])[1:]
    wanted = set(names.values())
    result: dict[str, tuple[str, ...]] = {}
    for t in model.types.values():
        own = tuple(print_directive(d) for d in t.directives if d.name in wanted)
        if own:
            result[t.name] = own
        for f in t.fields.values():
            found = tuple(print_directive(d) for d in f.directives if d.name in wanted)
            if found:
                result[f"{t.name}.{f.name}"] = found
    return result


def diff_auth(old_supergraph: str, new_supergraph: str, new_api: GraphQLSchema) -> list[SchemaChange]:
    old = _auth_requirements(old_supergraph)
    new = _auth_requirements(new_supergraph)
    changes = []
    for coordinate, requirements in new.items():
        type_name, _, field_name = coordinate.partition(".")
        t = new_api.type_map.get(type_name)
        if t is None or (field_name and field_name not in getattr(t, "fields", {})):
            continue
        before = old.get(coordinate, ())
        if set(requirements) - set(before):
            changes.append(
                SchemaChange(
                    BREAKING,
                    "AUTH_REQUIREMENT_ADDED",
                    f"{coordinate} now requires {' '.join(requirements)} (was {' '.join(before) or 'public'}).",
                )
            )
    for coordinate, requirements in old.items():
        now = new.get(coordinate, ())
        if set(requirements) - set(now) and not set(now) - set(requirements):
            changes.append(
                SchemaChange(SAFE, "AUTH_REQUIREMENT_REMOVED", f"{coordinate} no longer requires {' '.join(sorted(set(requirements) - set(now)))}.")
            )
    return changes
