"""Semantic comparison of supergraph SDLs, independent of ordering.

Two supergraphs are equal when they define the same schema definition, directive
definitions and types, with the same fields, arguments, defaults, descriptions and
directive applications (join directives included); order of definitions, fields,
directive applications and object-value fields does not matter, and arguments
equal to their definition's default count as omitted.
"""

from __future__ import annotations

from typing import Any

from graphql import parse, print_ast
from graphql.language import ast as gast


def _value(node: gast.ValueNode) -> str:
    if isinstance(node, gast.ObjectValueNode):
        return "{" + ", ".join(sorted(f"{f.name.value}: {_value(f.value)}" for f in node.fields)) + "}"
    if isinstance(node, gast.ListValueNode):
        return "[" + ", ".join(_value(v) for v in node.values) + "]"
    if isinstance(node, gast.StringValueNode):
        return print_ast(gast.StringValueNode(value=node.value))
    if isinstance(node, gast.FloatValueNode) and float(node.value).is_integer():
        return str(int(float(node.value)))
    return print_ast(node)


class _Canon:
    def __init__(self, doc: gast.DocumentNode):
        self.defaults: dict[str, dict[str, str]] = {}
        for d in doc.definitions:
            if isinstance(d, gast.DirectiveDefinitionNode):
                self.defaults[d.name.value] = {
                    a.name.value: _value(a.default_value) for a in d.arguments or () if a.default_value is not None
                }

    def directive(self, d: gast.DirectiveNode) -> str:
        defaults = self.defaults.get(d.name.value, {})
        args = sorted(
            f"{a.name.value}: {_value(a.value)}"
            for a in d.arguments or ()
            if defaults.get(a.name.value) != _value(a.value)
        )
        return "@" + d.name.value + ("(" + ", ".join(args) + ")" if args else "")

    def directives(self, nodes) -> list[str]:
        return sorted(self.directive(d) for d in nodes or ())

    def input_value(self, a: gast.InputValueDefinitionNode) -> dict[str, Any]:
        return {
            "type": print_ast(a.type),
            "default": _value(a.default_value) if a.default_value is not None else None,
            "description": a.description.value if a.description else None,
            "directives": self.directives(a.directives),
        }

    def definition(self, d: gast.DefinitionNode) -> tuple[str, Any]:
        description = getattr(d, "description", None)
        desc = description.value if description is not None else None
        if isinstance(d, gast.SchemaDefinitionNode):
            return "schema", {
                "description": desc,
                "directives": self.directives(d.directives),
                "operations": sorted(f"{o.operation.value}: {o.type.name.value}" for o in d.operation_types),
            }
        if isinstance(d, gast.DirectiveDefinitionNode):
            return f"directive @{d.name.value}", {
                "description": desc,
                "args": {a.name.value: self.input_value(a) for a in d.arguments or ()},
                "repeatable": d.repeatable,
                "locations": sorted(l.value for l in d.locations),
            }
        assert isinstance(d, gast.TypeDefinitionNode), d
        body: dict[str, Any] = {"description": desc, "directives": self.directives(d.directives)}
        if isinstance(d, gast.ObjectTypeDefinitionNode | gast.InterfaceTypeDefinitionNode):
            body["interfaces"] = sorted(i.name.value for i in d.interfaces or ())
            body["fields"] = {
                f.name.value: {
                    "type": print_ast(f.type),
                    "args": {a.name.value: self.input_value(a) for a in f.arguments or ()},
                    "description": f.description.value if f.description else None,
                    "directives": self.directives(f.directives),
                }
                for f in d.fields or ()
            }
        elif isinstance(d, gast.InputObjectTypeDefinitionNode):
            body["fields"] = {f.name.value: self.input_value(f) for f in d.fields or ()}
        elif isinstance(d, gast.UnionTypeDefinitionNode):
            body["members"] = sorted(m.name.value for m in d.types or ())
        elif isinstance(d, gast.EnumTypeDefinitionNode):
            body["values"] = {
                v.name.value: {
                    "description": v.description.value if v.description else None,
                    "directives": self.directives(v.directives),
                }
                for v in d.values or ()
            }
        kind = type(d).__name__.replace("TypeDefinitionNode", "").lower()
        return f"{kind} {d.name.value}", body


def canonical_supergraph(sdl: str) -> dict[str, Any]:
    doc = parse(sdl)
    canon = _Canon(doc)
    return dict(canon.definition(d) for d in doc.definitions)


def supergraph_differences(expected: str, actual: str) -> list[str]:
    """Human-readable differences between two supergraphs (empty when equal)."""
    a = canonical_supergraph(expected)
    b = canonical_supergraph(actual)
    problems = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            problems.append(f"missing {key}")
        elif key not in a:
            problems.append(f"unexpected {key}")
        elif a[key] != b[key]:
            problems.extend(_diff(key, a[key], b[key]))
    return problems


def _diff(path: str, a: Any, b: Any) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                out.extend(_diff(f"{path}.{k}", a.get(k), b.get(k)))
        return out
    return [f"{path}: expected {a!r}, got {b!r}"]
