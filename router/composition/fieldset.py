"""Parsing and checking the ``fields`` selections of @key, @requires and @provides.

A field set is a selection set without the braces; it is parsed with graphql-core
and then resolved against a (subgraph or supergraph) schema model, yielding the
fields it touches or the first problem found (Apollo also stops at the first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from graphql import GraphQLSyntaxError, parse
from graphql.language import ast as gast

from router.composition.model import Field, Schema, TypeDef, base_name


@dataclass
class FieldSelection:
    parent: str  # type the field was selected on
    name: str
    alias: str | None
    args: dict[str, gast.ValueNode]
    directives: list[str]
    selections: list["Selection"] | None


@dataclass
class FragmentSelection:
    type_condition: str | None
    directives: list[str]
    selections: list["Selection"]


Selection = FieldSelection | FragmentSelection


class FieldSetError(Exception):
    """The field set is not valid against the schema (message in graphql-js wording)."""


@dataclass
class ResolvedFieldSet:
    selections: list[Selection]
    # (type name, field) for every field selected, in selection order
    fields: list[tuple[str, Field]] = field(default_factory=list)
    on_field: "Callable[[str, Field], None] | None" = None


def parse_field_set(text: str) -> list[gast.SelectionNode]:
    return list(_parse_field_set_cached(text))


@lru_cache(maxsize=4096)
def _parse_field_set_cached(text: str) -> tuple[gast.SelectionNode, ...]:
    try:
        source = text if text.strip().startswith("{") else "{" + text + "}"
        doc = parse(source, no_location=True)
    except GraphQLSyntaxError as exc:
        raise FieldSetError(exc.message) from exc
    if len(doc.definitions) != 1 or not isinstance(doc.definitions[0], gast.OperationDefinitionNode):
        raise FieldSetError(f'Invalid field set "{text}"')
    return tuple(doc.definitions[0].selection_set.selections)


def resolve_field_set(
    schema: Schema,
    parent: str,
    text: str,
    *,
    allow_aliases: bool = False,
    validate: bool = True,
    on_field: "Callable[[str, Field], None] | None" = None,
) -> ResolvedFieldSet:
    """Resolve ``text`` on type ``parent``. With ``validate=False`` unknown parts are
    skipped instead of raising (used to collect fields of possibly-invalid sets)."""
    result = ResolvedFieldSet(selections=[], on_field=on_field)
    try:
        nodes = parse_field_set(text)
    except FieldSetError:
        if validate:
            raise
        return result
    result.selections = _resolve(schema, parent, nodes, result, allow_aliases, validate)
    return result


def _resolve(
    schema: Schema,
    parent_name: str,
    nodes: list[gast.SelectionNode],
    out: ResolvedFieldSet,
    allow_aliases: bool,
    validate: bool,
) -> list[Selection]:
    parent = schema.types.get(parent_name)
    selections: list[Selection] = []
    for node in nodes:
        if isinstance(node, gast.FieldNode):
            sel = _resolve_field(schema, parent, parent_name, node, out, allow_aliases, validate)
            if sel is not None:
                selections.append(sel)
        elif isinstance(node, gast.InlineFragmentNode):
            cond = node.type_condition.name.value if node.type_condition else None
            target = parent_name
            if cond is not None:
                ct = schema.types.get(cond)
                if ct is None:
                    if validate:
                        raise FieldSetError(f'Unknown type "{cond}".')
                    continue
                if not ct.is_composite:
                    if validate:
                        raise FieldSetError(f'Fragment cannot condition on non composite type "{cond}".')
                    continue
                if validate and not _can_spread(schema, parent_name, cond):
                    raise FieldSetError(
                        f'Fragment cannot be spread here as objects of type "{parent_name}" can never be of type "{cond}".'
                    )
                target = cond
            subs = _resolve(schema, target, list(node.selection_set.selections), out, allow_aliases, validate)
            selections.append(FragmentSelection(cond, [d.name.value for d in node.directives or ()], subs))
        else:  # fragment spreads have no definitions to refer to
            if validate:
                raise FieldSetError("Fragment spreads are not allowed in field sets")
    return selections


def _resolve_field(
    schema: Schema,
    parent: TypeDef | None,
    parent_name: str,
    node: gast.FieldNode,
    out: ResolvedFieldSet,
    allow_aliases: bool,
    validate: bool,
) -> FieldSelection | None:
    name = node.name.value
    directives = [d.name.value for d in node.directives or ()]
    args = {a.name.value: a.value for a in node.arguments or ()}
    if name == "__typename":
        if validate and node.selection_set is not None:
            raise FieldSetError('Field "__typename" must not have a selection since type "String!" has no subfields.')
        return FieldSelection(parent_name, name, node.alias.value if node.alias else None, args, directives, None)
    f = parent.fields.get(name) if parent is not None and parent.kind in ("OBJECT", "INTERFACE") else None
    if f is None:
        if validate:
            raise FieldSetError(f'Cannot query field "{name}" on type "{parent_name}".')
        return None
    if node.alias is not None and not allow_aliases and validate:
        raise FieldSetError(
            f'Cannot use alias "{node.alias.value}" in "{node.alias.value}: {name}": aliases are not currently supported in this directive'
        )
    if validate:
        for arg_name in args:
            if arg_name not in f.args:
                raise FieldSetError(f'Unknown argument "{arg_name}" found in value: "{parent_name}.{name}" has no argument "{arg_name}".')
        for arg in f.args.values():
            if arg.is_required() and arg.name not in args:
                raise FieldSetError(
                    f'Missing mandatory value for argument "{arg.name}" of field "{parent_name}.{name}" in selection "{name}"'
                )
    out.fields.append((parent_name, f))
    if out.on_field is not None:
        out.on_field(parent_name, f)
    target_name = base_name(f.type)
    target = schema.types.get(target_name)
    subs: list[Selection] | None = None
    if node.selection_set is not None:
        if target is not None and target.is_leaf:
            if validate:
                raise FieldSetError(
                    f'Field "{name}" must not have a selection since type "{f.type}" has no subfields.'
                )
        else:
            subs = _resolve(schema, target_name, list(node.selection_set.selections), out, allow_aliases, validate)
    elif target is not None and target.is_composite and validate:
        raise FieldSetError(
            f'Field "{name}" of type "{f.type}" must have a selection of subfields. Did you mean "{name} {{ ... }}"?'
        )
    return FieldSelection(parent_name, name, node.alias.value if node.alias else None, args, directives, subs)


def _can_spread(schema: Schema, parent: str, cond: str) -> bool:
    a = set(schema.possible_runtime_types(parent))
    b = set(schema.possible_runtime_types(cond))
    return parent == cond or bool(a & b) or not a or not b


def iter_fields(selections: list[Selection]):
    for sel in selections:
        if isinstance(sel, FieldSelection):
            yield sel
            if sel.selections:
                yield from iter_fields(sel.selections)
        else:
            yield from iter_fields(sel.selections)


def collect_target_fields(
    schema: Schema, parent: str, text: str, include_interface_implementations: bool
) -> list[tuple[str, str]]:
    """(type, field) pairs a field set touches, never raising (Apollo's ``collectTargetFields``)."""
    resolved = resolve_field_set(schema, parent, text, validate=False, allow_aliases=True)
    result: list[tuple[str, str]] = []
    for type_name, f in resolved.fields:
        result.append((type_name, f.name))
        t = schema.types.get(type_name)
        if include_interface_implementations and t is not None and t.kind == "INTERFACE":
            for impl in schema.possible_runtime_types(type_name):
                it = schema.types[impl]
                if f.name in it.fields:
                    result.append((impl, f.name))
    return result


def selection_key(selections: list[Selection]) -> frozenset:
    """An order-insensitive identity for comparing two field sets (e.g. interface keys)."""
    items = []
    for s in selections:
        if isinstance(s, FieldSelection):
            items.append(("f", s.name, selection_key(s.selections) if s.selections else None))
        else:
            items.append(("i", s.type_condition, selection_key(s.selections)))
    return frozenset(items)


def print_selections(selections: list[Selection]) -> str:
    """Print a selection set the way Apollo prints a normalized field set (``a b { c }``)."""
    parts = []
    for s in selections:
        if isinstance(s, FieldSelection):
            text = s.name
            if s.args:
                from router.composition.model import print_value

                text += "(" + ", ".join(f"{k}: {print_value(v)}" for k, v in s.args.items()) + ")"
            if s.selections:
                text += " { " + print_selections(s.selections) + " }"
            parts.append(text)
        else:
            head = f"... on {s.type_condition}" if s.type_condition else "..."
            parts.append(head + " { " + print_selections(s.selections) + " }")
    return " ".join(parts)
