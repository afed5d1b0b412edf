"""Random valid operations against an API schema.

Nested selections, aliases (the same field twice under different arguments), merged
duplicate fields, inline fragments and named fragments on object and abstract types,
``__typename``, ``@skip``/``@include`` with literals and variables, and variables
(some with defaults, some left to their default). Each candidate is validated with
graphql-core; the rare invalid one (fields with conflicting shapes across fragments)
is simply drawn again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)


# string arguments a router must forward intact: quotes, backslashes, unicode, block strings
STRING_LITERALS = ['"x"', '"y"', '"LB"', '"1"', '"q\\"uote"', '"back\\\\slash"', '"caf\\u00e9 \u00e9"',
                   '"""block "quoted" text"""', '"multi\\nline"']
STRING_VALUES = ["x", "y", "LB", "1", 'q"uote', "back\\slash", "café é", "multi\nline"]


@dataclass
class Operation:
    text: str
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None


class _Builder:
    def __init__(self, rng: random.Random, schema: GraphQLSchema, max_depth: int, prefix: str = "") -> None:
        self.rng = rng
        self.prefix = prefix
        self.schema = schema
        self.max_depth = max_depth
        self.var_defs: list[str] = []
        self.variables: dict[str, Any] = {}
        self.fragments: list[str] = []
        self.counter = 0
        self.nesting = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{self.prefix}{prefix}{self.counter}"

    # ---- values --------------------------------------------------------------------

    def literal(self, t: Any, nullable: bool = True) -> str:
        rng = self.rng
        if isinstance(t, GraphQLNonNull):
            return self.literal(t.of_type, nullable=False)
        if nullable and rng.random() < 0.05:
            return "null"
        if isinstance(t, GraphQLList):
            if rng.random() < 0.3:
                return self.literal(t.of_type)  # input coercion of a single item
            return "[" + ", ".join(self.literal(t.of_type) for _ in range(rng.randint(0, 2))) + "]"
        if isinstance(t, GraphQLEnumType):
            return rng.choice(sorted(t.values))
        if isinstance(t, GraphQLInputObjectType):
            parts = [f"{name}: {self.literal(f.type)}" for name, f in t.fields.items()
                     if isinstance(f.type, GraphQLNonNull) or rng.random() < 0.5]
            return "{" + ", ".join(parts) + "}"
        name = t.name
        if name == "Int":
            return rng.choice([str(rng.randint(0, 4))] * 6 + ["-3", "2147483647"])
        if name == "Float":
            return rng.choice(["1.5", "2", "0.25", "1.5e2", "-0.5"])
        if name == "Boolean":
            return rng.choice(["true", "false"])
        if name == "Json":
            return rng.choice(['{a: 1, b: [true, "x\\"y"], c: null}', '"plain"', "3", "[1, {z: ENUMISH}]"])
        return rng.choice(STRING_LITERALS)

    def json_value(self, t: Any, nullable: bool = True) -> Any:
        rng = self.rng
        if isinstance(t, GraphQLNonNull):
            return self.json_value(t.of_type, nullable=False)
        if nullable and rng.random() < 0.05:
            return None
        if isinstance(t, GraphQLList):
            if rng.random() < 0.3:
                return self.json_value(t.of_type)
            return [self.json_value(t.of_type) for _ in range(rng.randint(0, 2))]
        if isinstance(t, GraphQLEnumType):
            return rng.choice(sorted(t.values))
        if isinstance(t, GraphQLInputObjectType):
            return {name: self.json_value(f.type) for name, f in t.fields.items()
                    if isinstance(f.type, GraphQLNonNull) or rng.random() < 0.5}
        name = t.name
        if name == "Int":
            return rng.choice([rng.randint(0, 4)] * 6 + [-3, 2147483647])
        if name == "Float":
            return rng.choice([1.5, 2, 0.25, 150.0, -0.5])
        if name == "Boolean":
            return rng.random() < 0.5
        if name == "Json":
            return rng.choice([{"a": 1, "b": [True, 'x"y'], "c": None}, "plain", 3, [1, {"z": "ENUMISH"}]])
        return rng.choice(STRING_VALUES)

    def variable(self, t: Any) -> str:
        """A new variable of type ``t``: maybe with a default, maybe left to it, maybe given."""
        rng = self.rng
        name = self.fresh("v")
        # a nullable variable with a default may flow into a non-null position
        loosened = isinstance(t, GraphQLNonNull) and rng.random() < 0.3
        var_type = t.of_type if loosened else t
        default = None
        if loosened or rng.random() < 0.3:
            default = self.literal(var_type, nullable=not loosened)
        self.var_defs.append(f"${name}: {var_type}" + (f" = {default}" if default is not None else ""))
        if loosened:
            if rng.random() < 0.5:
                self.variables[name] = self._nonnull(var_type)
        elif isinstance(var_type, GraphQLNonNull) and default is None:
            self.variables[name] = self._nonnull(var_type)
        elif rng.random() < 0.7:
            self.variables[name] = self.json_value(var_type)
        if name in self.variables and rng.random() < 0.01:
            self.variables[name] = {"not": "what the variable's type allows"} if get_named_type(var_type).name != "Json" else self.variables[name]
        return "$" + name

    def _nonnull(self, t: Any) -> Any:
        return self.json_value(t, nullable=False)

    def condition(self) -> str:
        rng = self.rng
        if rng.random() > 0.12:
            return ""
        directive = rng.choice(["skip", "include"])
        if rng.random() < 0.5:
            value = rng.choice(["true", "false"])
        else:
            name = self.fresh("c")
            if rng.random() < 0.3:
                self.var_defs.append(f"${name}: Boolean = {rng.choice(['true', 'false'])}")
                if rng.random() < 0.5:
                    self.variables[name] = rng.random() < 0.5
            else:
                self.var_defs.append(f"${name}: Boolean!")
                self.variables[name] = rng.random() < 0.5
            value = "$" + name
        return f" @{directive}(if: {value})"

    # ---- selections ----------------------------------------------------------------

    def arguments(self, field_def: Any) -> str:
        rng = self.rng
        parts = []
        for name, arg in field_def.args.items():
            required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
            if not required and rng.random() < 0.4:
                continue
            value = self.variable(arg.type) if rng.random() < 0.3 else self.literal(arg.type)
            if value == "null" and isinstance(arg.type, GraphQLNonNull):
                value = self.literal(arg.type.of_type).replace("null", "1")
            parts.append(f"{name}: {value}")
        return "(" + ", ".join(parts) + ")" if parts else ""

    def field(self, parent: Any, name: str, depth: int, alias: bool = False) -> str:
        rng = self.rng
        field_def = parent.fields[name]
        text = name + self.arguments(field_def)
        if alias or rng.random() < 0.15:
            others = [n for n in parent.fields if n != name]
            if others and rng.random() < 0.3:
                text = rng.choice(others) + ": " + text  # an alias that is another field's name
            else:
                text = self.fresh("a") + ": " + text
        text += self.condition()
        named = get_named_type(field_def.type)
        if not is_leaf_type(named):
            text += " " + self.selection_set(named, depth + 1)
        return text

    def selection_set(self, t: Any, depth: int) -> str:
        rng = self.rng
        if depth > self.max_depth + 2:
            return "{ __typename }"  # types without leaf fields would recurse forever
        parts: list[str] = []
        if isinstance(t, GraphQLUnionType) or (depth >= self.max_depth and not self._leaf_fields(t)):
            parts.append("__typename")
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)):
            names = sorted(t.fields)
            if depth >= self.max_depth:
                leaves = self._leaf_fields(t)
                names = leaves or names
            count = rng.randint(1, min(4, len(names)))
            for name in rng.sample(names, count):
                parts.append(self.field(t, name, depth))
                if rng.random() < 0.1:
                    # the same field again: different arguments under an alias, or the same one merged
                    parts.append(self.field(t, name, depth, alias=rng.random() < 0.5))
        if isinstance(t, (GraphQLInterfaceType, GraphQLUnionType)) and depth < self.max_depth + 1:
            possible = sorted(self.schema.get_possible_types(t), key=lambda x: x.name)
            for obj in possible:
                if rng.random() < 0.5:
                    parts.append(self.fragment(obj, depth))
            if isinstance(t, GraphQLUnionType):
                interfaces = sorted({i.name for obj in possible for i in obj.interfaces})
                if interfaces and rng.random() < 0.3:
                    parts.append(self.fragment(self.schema.get_type(rng.choice(interfaces)), depth))
        elif isinstance(t, GraphQLObjectType) and t.interfaces and rng.random() < 0.15:
            parts.append(self.fragment(rng.choice(t.interfaces), depth))
        if rng.random() < 0.12:
            parts.append("__typename" if rng.random() < 0.7 else self.fresh("tn") + ": __typename")
        if isinstance(t, GraphQLObjectType) and rng.random() < 0.08:
            parts.append(self.fragment(t, depth))
        if not parts:
            parts.append("__typename")
        return "{ " + " ".join(parts) + " }"

    def _leaf_fields(self, t: Any) -> list[str]:
        return sorted(n for n, f in t.fields.items()
                      if is_leaf_type(get_named_type(f.type))
                      and not any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in f.args.values()))

    def fragment(self, t: Any, depth: int) -> str:
        """An inline fragment or a named fragment spread on ``t``."""
        rng = self.rng
        if self.nesting >= 2:
            return "__typename"  # fragments within fragments at one level: enough
        self.nesting += 1
        body = self.selection_set(t, depth)
        self.nesting -= 1
        condition = self.condition()
        if rng.random() < 0.35:
            name = self.fresh("F")
            self.fragments.append(f"fragment {name} on {t.name} {body}")
            return f"...{name}{condition}"
        if rng.random() < 0.1 and not isinstance(t, (GraphQLInterfaceType, GraphQLUnionType)):
            return f"...{condition} {body}"
        return f"... on {t.name}{condition} {body}"

    def operation(self) -> Operation:
        rng = self.rng
        root = self.schema.query_type
        keyword = "query"
        if self.schema.mutation_type is not None and rng.random() < 0.1:
            root, keyword = self.schema.mutation_type, "mutation"
        assert root is not None
        names = [n for n in sorted(root.fields) if not n.startswith("__")]
        parts = []
        for name in rng.sample(names, rng.randint(1, min(3, len(names)))):
            parts.append(self.field(root, name, 1))
            if rng.random() < 0.1:
                parts.append(self.field(root, name, 1, alias=True))
        if rng.random() < 0.1:
            parts.append("__typename")
        if rng.random() < 0.04:
            named = sorted(n for n in self.schema.type_map if not n.startswith("__"))
            parts.append(f'{self.fresh("t")}: __type(name: "{rng.choice(named)}") {{ name kind fields {{ name }} }}')
        if rng.random() < 0.02:
            parts.append("__schema { queryType { name } mutationType { name } }")
        name = self.fresh("Op") if rng.random() < 0.3 else None
        header = keyword
        if name:
            header += " " + name
        if self.var_defs:
            header += "(" + ", ".join(self.var_defs) + ")"
        text = header + " { " + " ".join(parts) + " }"
        if self.fragments:
            text += "\n" + "\n".join(self.fragments)
        return Operation(text, self.variables, name)


def _two_operations(rng: random.Random, schema: GraphQLSchema, max_depth: int) -> Operation:
    """A document with two named operations; ``operation_name`` picks one."""
    first = _Builder(rng, schema, max_depth, "x").operation()
    second = _Builder(rng, schema, max_depth, "y").operation()
    names = []
    texts = []
    for i, op in enumerate((first, second)):
        name = op.operation_name or f"Pick{i}"
        text = op.text
        if op.operation_name is None:
            keyword = "mutation" if text.startswith("mutation") else "query"
            text = f"{keyword} {name}{text[len(keyword):]}"
        names.append(name)
        texts.append(text)
    chosen = rng.randrange(2)
    return Operation("\n".join(texts), (first, second)[chosen].variables, names[chosen])


def random_operation(rng: random.Random, schema: GraphQLSchema, max_depth: int = 5) -> Operation:
    """A valid operation; tries until graphql-core accepts one."""
    for _ in range(50):
        depth = max_depth + (2 if rng.random() < 0.1 else 0)  # now and then a deeper one
        if rng.random() < 0.08:
            op = _two_operations(rng, schema, depth)
        else:
            op = _Builder(rng, schema, depth).operation()
        if not validate(schema, parse(op.text)):
            return op
    raise RuntimeError("could not draw a valid operation")
