"""Random federated graphs as structured specs, rendered to subgraph SDL.

The spec (not just the SDL text) is kept because the subgraph servers in ``data.py``
derive every answer from it: which field is a key, external, required, provided or
overridden decides how a subgraph resolves it. Generation favours graphs that compose
(value types identical everywhere, abstract fields resolved by one subgraph, fields
resolved by several subgraphs marked @shareable); those that still do not compose are
dropped by the caller.

Identity rules the data layer relies on (see ``data.py``):
- key fields are named ``id``, ``kx``, ``kn`` (nested ``kc``/``ki``) and nothing else
  starts with ``k`` or is called ``id``;
- a field resolved by several subgraphs has the same type and arguments everywhere;
- abstract-typed fields are resolved by one subgraph only (their runtime types are the
  ones that subgraph knows).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cached_property

KEY_TEMPLATES = ["id", "kx", "id kx", "kn { kc ki }", "id kn { kc }", "kx kn { ki }"]
KEY_FIELD_TYPES = {"id": "ID!", "kx": "String!"}
FIELD_WORDS = ["name", "price", "score", "title", "count", "flag", "rank", "label", "size", "note",
               "weight", "color", "level", "stock", "rating", "total", "amount", "status", "code", "year"]
SCALARS = ["Int", "String", "Boolean", "Float", "ID"]
ENUM_VALUES = ["RED", "GREEN", "BLUE", "CYAN"]


@dataclass
class Arg:
    name: str
    type: str
    default: str | None = None  # a GraphQL literal

    def render(self) -> str:
        return f"{self.name}: {self.type}" + (f" = {self.default}" if self.default is not None else "")


@dataclass
class FieldSpec:
    name: str
    type: str
    args: list[Arg] = field(default_factory=list)
    shareable: bool = False
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override_from: str | None = None
    overridden: bool = False  # another subgraph took this field over with @override
    inaccessible: bool = False
    override_label: str | None = None  # progressive override: percent(0) or percent(100) here
    inactive: bool = False  # an @override whose label keeps the original subgraph in charge
    authenticated: bool = False  # @authenticated: anonymous callers (the fuzzer's) get null + error

    def copy(self) -> "FieldSpec":
        return FieldSpec(self.name, self.type, list(self.args), self.shareable, self.external, self.requires,
                         self.provides, self.override_from, self.overridden, self.inaccessible,
                         self.override_label, self.inactive, self.authenticated)


@dataclass
class TypeSpec:
    name: str
    kind: str  # object | interface | union | enum | input
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    keys: list[tuple[str, bool]] = field(default_factory=list)  # (field set, resolvable)
    implements: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    shareable: bool = False
    interface_object: bool = False
    extension: bool = False  # federation 1: `extend type` of an entity owned elsewhere


@dataclass
class SubgraphSpec:
    name: str
    fed1: bool = False
    version: str = "2.5"
    types: dict[str, TypeSpec] = field(default_factory=dict)
    query: dict[str, FieldSpec] = field(default_factory=dict)
    mutation: dict[str, FieldSpec] = field(default_factory=dict)


@dataclass
class GraphSpec:
    subgraphs: list[SubgraphSpec]
    object_types: list[str]  # global order: an object's id modulo len() names its type
    implementers: dict[str, list[str]]  # abstract type -> every object type it may be at runtime
    errors: bool = True  # some fields fail in subgraphs

    @cached_property
    def required_names(self) -> frozenset[str]:
        """Names of fields some @requires reads: they never fail, since what a router should send
        for a required field that failed is not defined by the federation spec."""
        names = set()
        for sub in self.subgraphs:
            for t in sub.types.values():
                for f in t.fields.values():
                    if f.requires:
                        names.update(re.findall(r"[_A-Za-z][_0-9A-Za-z]*", f.requires))
        # a failing sibling under a required object would null it in the representation too
        # (routers fetch required and client fields together), so those never fail either
        for sub in self.subgraphs:
            for t in sub.types.values():
                for f in t.fields.values():
                    if f.name in names and named_type(f.type) in sub.types:
                        names.update(sub.types[named_type(f.type)].fields)
        return frozenset(names)

    def subgraph(self, name: str) -> SubgraphSpec:
        return next(s for s in self.subgraphs if s.name == name)

    def sdl(self, sub: SubgraphSpec) -> str:
        return render_subgraph(sub)


def external_copy(f: FieldSpec) -> FieldSpec:
    """The declaration of ``f`` in a subgraph that needs it as @external."""
    ext = f.copy()
    ext.shareable = ext.inaccessible = ext.overridden = ext.inactive = ext.authenticated = False
    ext.requires = ext.provides = ext.override_from = ext.override_label = None
    ext.external = True
    return ext


def named_type(type_ref: str) -> str:
    return type_ref.replace("[", "").replace("]", "").replace("!", "")


def key_fields(fieldset: str) -> list[str]:
    """Top-level field names of a key template."""
    out, depth = [], 0
    for token in fieldset.replace("{", " { ").replace("}", " } ").split():
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            out.append(token)
    return out


@dataclass
class _Entity:
    name: str
    owner: int
    templates: list[str]
    definers: dict[int, list[tuple[str, bool]]]  # subgraph -> keys there
    interface: str | None = None


@dataclass
class _Value:
    name: str
    fields: list[FieldSpec]
    implements: list[str] = field(default_factory=list)
    defined: bool = False  # declared in some subgraph already (the first declaration is complete)


class _Builder:
    def __init__(self, rng: random.Random, allow_fed1: bool, large: bool = False) -> None:
        self.rng = rng
        n = rng.randint(3, 6) if large else rng.randint(2, 4)
        self.large = large
        self.subs = [SubgraphSpec(f"s{i}") for i in range(n)]
        for i, sub in enumerate(self.subs):
            sub.fed1 = allow_fed1 and i > 0 and rng.random() < 0.15
            sub.version = rng.choice(["2.3", "2.5", "2.7", "2.9"])
        self.entities: dict[str, _Entity] = {}
        self.values: dict[str, _Value] = {}
        self.interfaces: dict[str, list[FieldSpec]] = {}
        self.entity_interface: str | None = None
        self.unions: dict[str, dict[int, list[str]]] = {}
        self.use_enum = rng.random() < 0.5
        self.use_input = rng.random() < 0.35
        self.hidden_enum_value = rng.random() < 0.25
        self.use_json = rng.random() < 0.3  # a custom scalar: any JSON in and out
        self.partial_values = rng.random() < 0.4
        self.counter = 0
        self.provided: set[tuple[str, str]] = set()

    # ---- helpers -------------------------------------------------------------------

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}{self.counter}"

    def fed2(self) -> list[int]:
        return [i for i, s in enumerate(self.subs) if not s.fed1]

    def scalar_type(self) -> str:
        rng = self.rng
        base = rng.choice(SCALARS + (["Color"] * 2 if self.use_enum else []) + (["Json"] if self.use_json else []))
        return self.wrap(base, lists=rng.random() < 0.15)

    def wrap(self, base: str, lists: bool) -> str:
        rng = self.rng
        inner = base + ("!" if rng.random() < 0.35 else "")
        if lists:
            inner = f"[{inner}]" + ("!" if rng.random() < 0.4 else "")
            if rng.random() < 0.15:
                inner = f"[{inner}]"
        elif rng.random() < 0.15:
            inner += "!" if not inner.endswith("!") else ""
        return inner

    def args(self) -> list[Arg]:
        rng = self.rng
        if rng.random() > 0.25:
            return []
        choices = [Arg("a", "Int", "1"), Arg("b", "String"), Arg("n", "Int!")]
        if self.use_enum:
            choices.append(Arg("c", "Color", "RED"))
        if self.use_input:
            choices.append(Arg("where", "Filter"))
        if self.use_json:
            choices.append(Arg("j", "Json"))
        if rng.random() < 0.2:
            choices.append(Arg("m", "[[Int]]"))
        picked = rng.sample(choices, rng.randint(1, 2))
        return sorted(picked, key=lambda a: a.name)

    def type_def(self, s: int, name: str, kind: str) -> TypeSpec:
        types = self.subs[s].types
        if name not in types:
            types[name] = TypeSpec(name, kind)
        return types[name]

    # ---- ensuring a type exists in a subgraph ---------------------------------------

    def ensure(self, s: int, name: str) -> None:
        if name in SCALARS or name in self.subs[s].types:
            return
        sub = self.subs[s]
        if name == "Json":
            sub.types[name] = TypeSpec(name, "scalar")
            return
        if name == "Color":
            values = list(ENUM_VALUES)
            if self.hidden_enum_value and not sub.fed1:
                values[-1] += " @inaccessible"
            sub.types[name] = TypeSpec(name, "enum", values=values)
        elif name == "Filter":
            t = sub.types[name] = TypeSpec(name, "input")
            third = FieldSpec("colors", "[Color!]") if self.use_enum else FieldSpec("many", "[Int!]")
            t.fields = {"lo": FieldSpec("lo", "Int"), "tag": FieldSpec("tag", "String"), third.name: third}
            if self.use_enum:
                self.ensure(s, "Color")
        elif name.startswith("KN"):
            sub.types[name] = TypeSpec(name, "object", shareable=not sub.fed1,
                                       fields={"kc": FieldSpec("kc", "String!"), "ki": FieldSpec("ki", "Int!")})
        elif name in self.entities:
            entity = self.entities[name]
            template = self.rng.choice(entity.templates)
            resolvable = sub.fed1 or self.rng.random() > 0.3
            self.declare_entity(s, entity, [(template, resolvable)])
        elif name in self.values:
            value = self.values[name]
            t = sub.types[name] = TypeSpec(name, "object", shareable=not sub.fed1, implements=list(value.implements))
            fields = value.fields
            interface_fields = {f.name for i in value.implements for f in self.interfaces.get(i, [])}
            if self.partial_values and value.defined and self.rng.random() < 0.5:
                # a value type only partly known here: a subgraph returning it cannot serve every field
                fields = [f for f in fields if f.name in interface_fields or self.rng.random() < 0.6] or fields[:1]
            value.defined = True
            for f in fields:
                t.fields[f.name] = f.copy()
            for f in fields:
                self.ensure(s, named_type(f.type))
                for a in f.args:
                    self.ensure(s, named_type(a.type))
            for i in value.implements:
                self.ensure(s, i)
        elif name in self.interfaces:
            t = sub.types[name] = TypeSpec(name, "interface")
            for f in self.interfaces[name]:
                t.fields[f.name] = f.copy()
                self.ensure(s, named_type(f.type))
        else:
            raise KeyError(name)

    def declare_entity(self, s: int, entity: _Entity, keys: list[tuple[str, bool]]) -> None:
        t = self.type_def(s, entity.name, "object")
        t.keys = keys
        t.extension = self.subs[s].fed1 and s != entity.owner
        entity.definers[s] = keys
        for fieldset, _ in keys:
            for name in key_fields(fieldset):
                if name == "kn":
                    kn_type = f"KN{entity.name}"
                    t.fields[name] = FieldSpec(name, f"{kn_type}!", external=t.extension)
                    self.ensure(s, kn_type)
                else:
                    t.fields[name] = FieldSpec(name, KEY_FIELD_TYPES[name], external=t.extension)

    # ---- generation phases ----------------------------------------------------------

    def make_entities(self) -> None:
        rng = self.rng
        for i in range(rng.randint(4, 9) if self.large else rng.randint(2, 5)):
            name = f"E{i}"
            owner = rng.randrange(len(self.subs))
            templates = rng.sample(KEY_TEMPLATES, rng.choice([1, 1, 2]))
            entity = self.entities[name] = _Entity(name, owner, templates, {})
            self.declare_entity(owner, entity, [(t, True) for t in templates])
            for s in range(len(self.subs)):
                if s != owner and rng.random() < 0.45:
                    keys = [(t, True) for t in rng.sample(templates, rng.randint(1, len(templates)))]
                    self.declare_entity(s, entity, keys)
        fed2 = self.fed2()
        if len(fed2) >= 2 and rng.random() < 0.35:
            # an entity interface in one subgraph, seen as @interfaceObject by others
            home = rng.choice(fed2)
            name = "Node"
            self.entity_interface = name
            fields = [FieldSpec("id", "ID!"), FieldSpec(self.fresh(rng.choice(FIELD_WORDS)), self.scalar_type())]
            self.interfaces[name] = fields
            for j in range(rng.randint(1, 3)):
                impl = f"N{j}"
                entity = self.entities[impl] = _Entity(impl, home, ["id"], {}, interface=name)
                self.declare_entity(home, entity, [("id", True)])
                t = self.subs[home].types[impl]
                t.implements.append(name)
                for f in fields:
                    t.fields[f.name] = f.copy()
                    self.ensure(home, named_type(f.type))
                if rng.random() < 0.5:
                    f = FieldSpec(self.fresh(rng.choice(FIELD_WORDS)), self.scalar_type())
                    t.fields[f.name] = f
                    self.ensure(home, named_type(f.type))
            it = self.subs[home].types[name] = TypeSpec(name, "interface", keys=[("id", True)])
            for f in fields:
                it.fields[f.name] = f.copy()
            for s in fed2:
                if s != home and rng.random() < 0.8:
                    sub = self.subs[s]
                    if sub.version < "2.3":
                        sub.version = "2.3"
                    obj = sub.types[name] = TypeSpec(name, "object", keys=[("id", True)], interface_object=True)
                    obj.fields["id"] = FieldSpec("id", "ID!")
                    for _ in range(rng.randint(1, 2)):
                        f = FieldSpec(self.fresh(rng.choice(FIELD_WORDS)), self.scalar_type(), self.args())
                        obj.fields[f.name] = f
                        self.ensure_field_types(s, f)
                    if rng.random() < 0.3:
                        # a field computed from one the interface's own subgraph resolves
                        required = fields[1]
                        obj.fields[required.name] = external_copy(required)
                        self.ensure_field_types(s, required)
                        needs = FieldSpec(self.fresh("needs"), rng.choice(["Int", "String"]), requires=required.name)
                        obj.fields[needs.name] = needs

    def make_values(self) -> None:
        rng = self.rng
        for i in range(rng.randint(0, 3)):
            name = f"V{i}"
            fields = []
            for _ in range(rng.randint(1, 3)):
                roll = rng.random()
                if roll < 0.15 and self.entities:
                    target = rng.choice(sorted(e for e, d in self.entities.items() if not d.interface))
                    ftype = self.wrap(target, lists=rng.random() < 0.3)
                elif roll < 0.25 and self.values:
                    ftype = self.wrap(rng.choice(sorted(self.values)), lists=rng.random() < 0.3)
                else:
                    ftype = self.scalar_type()
                fields.append(FieldSpec(self.fresh(rng.choice(FIELD_WORDS)), ftype, self.args() if rng.random() < 0.5 else []))
            self.values[name] = _Value(name, fields)

    def make_interfaces(self) -> None:
        rng = self.rng
        for i in range(rng.choice([0, 0, 1, 2])):
            name = f"I{i}"
            fields = [FieldSpec(self.fresh(rng.choice(FIELD_WORDS)), self.scalar_type()) for _ in range(rng.randint(1, 2))]
            plain = sorted(n for n, e in self.entities.items() if not e.interface)
            if plain and rng.random() < 0.3:
                fields.append(FieldSpec(self.fresh("owner"), self.wrap(rng.choice(plain), rng.random() < 0.3)))
            self.interfaces[name] = fields
            # value types implement it everywhere they exist; entities per subgraph
            for value in self.values.values():
                if rng.random() < 0.4:
                    value.implements.append(name)
                    value.fields.extend(f.copy() for f in fields)
            for entity in self.entities.values():
                if entity.interface or rng.random() > 0.5:
                    continue
                places = [s for s, keys in entity.definers.items() if any(r for _, r in keys) or s == entity.owner]
                for s in rng.sample(places, rng.randint(1, len(places))):
                    t = self.subs[s].types[entity.name]
                    t.implements.append(name)
                    self.ensure(s, name)
                    for f in fields:
                        if f.name not in t.fields:
                            t.fields[f.name] = f.copy()
                            self.ensure_field_types(s, f)

    def ensure_field_types(self, s: int, f: FieldSpec) -> None:
        self.ensure(s, named_type(f.type))
        for a in f.args:
            self.ensure(s, named_type(a.type))

    def local_candidates(self, s: int, abstract: str) -> list[str]:
        sub = self.subs[s]
        if abstract in self.unions:
            return self.unions[abstract].get(s, [])
        return sorted(n for n, t in sub.types.items() if t.kind == "object" and abstract in t.implements)

    def output_type(self, s: int, allow_abstract: bool = True) -> str:
        """A field type for subgraph s: scalar, enum, entity, value type or abstract type."""
        rng = self.rng
        roll = rng.random()
        lists = rng.random() < 0.35
        if roll < 0.5:
            return self.scalar_type()
        if roll < 0.72 and self.entities:
            object_here = self.entity_interface is not None and self.entity_interface in self.subs[s].types and \
                self.subs[s].types[self.entity_interface].interface_object
            usable = sorted(n for n, e in self.entities.items() if not e.interface or e.owner == s or not object_here)
            return self.wrap(rng.choice(usable), lists)
        if roll < 0.85 and self.values:
            return self.wrap(rng.choice(sorted(self.values)), lists)
        if allow_abstract:
            abstract = [i for i in self.interfaces if i != self.entity_interface and self.local_candidates(s, i)]
            if self.entity_interface and self.entity_interface in self.subs[s].types:
                abstract.append(self.entity_interface)
            if len([n for n, t in self.subs[s].types.items() if t.kind == "object" and not n.startswith("KN")]) >= 2 and rng.random() < 0.5:
                union = self.make_union(s)
                if union:
                    abstract.append(union)
            if abstract:
                return self.wrap(rng.choice(abstract), lists)
        return self.scalar_type()

    def make_union(self, s: int) -> str | None:
        rng = self.rng
        sub = self.subs[s]
        objects = sorted(n for n, t in sub.types.items()
                         if t.kind == "object" and not n.startswith("KN") and not t.interface_object)
        if len(objects) < 2:
            return None
        name = rng.choice(["U0", "U1"]) if self.unions else "U0"
        members = self.unions.setdefault(name, {})
        if s not in members:
            members[s] = rng.sample(objects, rng.randint(1, min(3, len(objects))))
            sub.types[name] = TypeSpec(name, "union", members=sorted(members[s]))
        return name

    def make_entity_fields(self) -> None:
        rng = self.rng
        for entity in list(self.entities.values()):
            for s, keys in sorted(entity.definers.items()):
                resolvable = any(r for _, r in keys)
                if not resolvable:
                    continue
                count = rng.randint(1, 4) if s == entity.owner else rng.randint(0, 2)
                t = self.subs[s].types[entity.name]
                if rng.random() < 0.08:
                    # GraphQL keywords are valid field names; routers printing queries must cope
                    word = rng.choice(["type", "query", "on", "fragment", "input", "null", "true"])
                    if not any(word in self.subs[o].types[entity.name].fields for o in entity.definers):
                        t.fields[word] = FieldSpec(word, self.scalar_type())
                        self.ensure_field_types(s, t.fields[word])
                for _ in range(count):
                    f = FieldSpec(self.fresh(rng.choice(FIELD_WORDS)), self.output_type(s), self.args())
                    if rng.random() < 0.06 and not self.subs[s].fed1:
                        f.inaccessible = True
                    t.fields[f.name] = f
                    self.ensure_field_types(s, f)
                    self.maybe_share(entity, s, f)
                if rng.random() < 0.12 and not entity.interface:
                    f = self.provides_field(s)
                    if f is not None:
                        t.fields[f.name] = f

    def maybe_share(self, entity: _Entity, s: int, f: FieldSpec) -> None:
        """Also resolve ``f`` in another subgraph defining the entity (same answers there)."""
        rng = self.rng
        if self.subs[s].fed1 or rng.random() > 0.25:
            return
        if named_type(f.type) in self.unions or named_type(f.type) in self.interfaces:
            return
        others = [o for o, keys in entity.definers.items()
                  if o != s and not self.subs[o].fed1 and any(r for _, r in keys) and f.name not in self.subs[o].types[entity.name].fields]
        if not others:
            return
        o = rng.choice(others)
        self.subs[o].types[entity.name].fields[f.name] = f.copy()
        self.ensure_field_types(o, f)

    def make_requires_provides_override(self) -> None:
        rng = self.rng
        for entity in self.entities.values():
            if entity.interface:
                continue
            for s, keys in sorted(entity.definers.items()):
                if not any(r for _, r in keys):
                    continue
                t = self.subs[s].types[entity.name]
                # fields of this entity resolved elsewhere, usable as requirements
                elsewhere = []
                for o in entity.definers:
                    if o == s:
                        continue
                    for f in self.subs[o].types[entity.name].fields.values():
                        if f.external or f.overridden or f.override_from or f.inactive or f.name in ("id", "kx", "kn") or f.name in t.fields:
                            continue
                        base = named_type(f.type)
                        if base in self.unions or base in self.interfaces:
                            continue
                        if base in self.entities and (self.entities[base].interface or f.args):
                            continue
                        if "Int!" in [a.type for a in f.args]:
                            continue
                        elsewhere.append(f)
                if elsewhere and rng.random() < 0.5:
                    # one entry per name: a representation holds one value per field name
                    unique = list({f.name: f for f in elsewhere}.values())
                    picked = rng.sample(unique, min(len(unique), rng.randint(1, 2)))
                    parts = []
                    for f in picked:
                        ext = external_copy(f)
                        t.fields[f.name] = ext
                        self.ensure_field_types(s, ext)
                        part = f.name
                        if f.args:
                            part += "(" + ", ".join(f"{a.name}: {self.literal(a.type)}" for a in f.args) + ")"
                        base = named_type(f.type)
                        if base in self.values:
                            known = self.subs[s].types[base].fields.values()  # maybe a partial declaration
                            sub_fields = [vf.name for vf in known
                                          if named_type(vf.type) in SCALARS + ["Color"] and not any(a.type.endswith("!") for a in vf.args)]
                            if not sub_fields:
                                del t.fields[f.name]
                                continue
                            part += " { " + " ".join(rng.sample(sub_fields, rng.randint(1, len(sub_fields)))) + " }"
                        elif base in self.entities:
                            # a field of another entity, read through this one
                            sub = self.entity_scalar(base)
                            if sub is None:
                                del t.fields[f.name]
                                continue
                            mine = self.subs[s].types[base]
                            if sub.name not in mine.fields:
                                mine.fields[sub.name] = external_copy(sub)
                                self.ensure_field_types(s, sub)
                            part += " { " + sub.name + " }"
                        parts.append(part)
                    if parts:
                        name = self.fresh("needs")
                        needs = FieldSpec(name, rng.choice(["Int", "String", "Int!"]), self.args() if rng.random() < 0.3 else [],
                                          requires=" ".join(parts))
                        t.fields[name] = needs
                        self.ensure_field_types(s, needs)
                # @override: take over a field of the owner
                if s != entity.owner and not self.subs[s].fed1 and not self.subs[entity.owner].fed1 and rng.random() < 0.3:
                    owner_type = self.subs[entity.owner].types[entity.name]
                    movable = [f for f in owner_type.fields.values()
                               if f.name not in ("id", "kx", "kn") and not f.external and not f.shareable and not f.overridden
                               and not f.requires and f.name not in t.fields
                               and not any(f.name in self.subs[o].types[entity.name].fields for o in entity.definers if o != entity.owner)
                               and named_type(f.type) not in self.unions and named_type(f.type) not in self.interfaces]
                    if movable:
                        f = rng.choice(movable)
                        moved = f.copy()
                        moved.override_from = self.subs[entity.owner].name
                        t.fields[f.name] = moved
                        self.ensure_field_types(s, moved)
                        if rng.random() < 0.3:
                            # progressive override with a label that decides it for sure
                            moved.override_label = rng.choice(["percent(0)", "percent(100)"])
                            if self.subs[s].version < "2.7":
                                self.subs[s].version = "2.7"
                            moved.inactive = moved.override_label == "percent(0)"
                            f.overridden = not moved.inactive
                        elif rng.random() < 0.7:
                            f.overridden = True
                        else:
                            del owner_type.fields[f.name]

    def entity_scalar(self, entity_name: str) -> FieldSpec | None:
        """A plain scalar field of an entity, from its owner."""
        owner = self.subs[self.entities[entity_name].owner].types[entity_name]
        usable = [f for f in owner.fields.values()
                  if f.name not in ("id", "kx", "kn") and not f.args and not f.external and not f.overridden
                  and not f.requires and not f.override_from and not f.inaccessible and named_type(f.type) in SCALARS]
        return self.rng.choice(usable) if usable else None

    def literal(self, type_ref: str) -> str:
        base = named_type(type_ref)
        rng = self.rng
        if base == "Int":
            return str(rng.randint(0, 5))
        if base == "String":
            return '"' + rng.choice(["x", "y", "LB"]) + '"'
        if base == "Color":
            return rng.choice(ENUM_VALUES)
        if base == "Filter":
            return "{lo: 2}"
        return "1"

    def provides_field(self, s: int) -> FieldSpec | None:
        """A field returning an entity owned elsewhere, with some of its fields provided here."""
        rng = self.rng
        candidates = []
        for entity in self.entities.values():
            if entity.interface or entity.owner == s:
                continue
            owner_type = self.subs[entity.owner].types[entity.name]
            provided = [f for f in owner_type.fields.values()
                        if f.name not in ("id", "kx", "kn") and not f.args and not f.external and not f.overridden
                        and not f.requires and not f.inaccessible and not f.override_from
                        and (named_type(f.type) in SCALARS + ["Color"] or named_type(f.type) in self.values)]
            if provided:
                candidates.append((entity, provided))
        if not candidates:
            return None
        entity, provided = rng.choice(candidates)
        mine = self.subs[s].types.get(entity.name)
        if mine is None:
            self.declare_entity(s, entity, [(rng.choice(entity.templates), rng.random() < 0.7 or self.subs[s].fed1)])
            mine = self.subs[s].types[entity.name]
        picked = [f for f in rng.sample(provided, rng.randint(1, len(provided))) if f.name not in mine.fields]
        if not picked:
            return None
        parts = []
        for f in picked:
            ext = external_copy(f)
            mine.fields[f.name] = ext
            self.provided.add((entity.name, f.name))
            self.ensure_field_types(s, ext)
            base = named_type(f.type)
            if base in self.values:
                # a value type provided with a nested selection of what this subgraph knows of it
                known = [n for n, vf in self.subs[s].types[base].fields.items()
                         if not any(a.type.endswith("!") for a in vf.args) and named_type(vf.type) in SCALARS + ["Color"]]
                if not known:
                    del mine.fields[f.name]
                    continue
                parts.append(f.name + " { " + " ".join(rng.sample(known, rng.randint(1, len(known)))) + " }")
            else:
                parts.append(f.name)
        if not parts:
            return None
        return FieldSpec(self.fresh("with"), self.wrap(entity.name, rng.random() < 0.4), provides=" ".join(parts))

    def make_roots(self) -> None:
        rng = self.rng
        for s, sub in enumerate(self.subs):
            for _ in range(rng.randint(1, 4)):
                f = FieldSpec(self.fresh("q"), self.output_type(s), self.args())
                sub.query[f.name] = f
                self.ensure_field_types(s, f)
            if rng.random() < 0.3:
                f = self.provides_field(s)
                if f is not None:
                    sub.query[f.name] = f
            if self.entity_interface and self.entity_interface in sub.types and rng.random() < 0.8:
                f = FieldSpec(self.fresh("q"), self.wrap(self.entity_interface, rng.random() < 0.6))
                sub.query[f.name] = f
            if rng.random() < 0.3:
                f = FieldSpec(self.fresh("m"), self.output_type(s, allow_abstract=False), self.args())
                sub.mutation[f.name] = f
                self.ensure_field_types(s, f)
        fed2 = self.fed2()
        if len(fed2) >= 2 and rng.random() < 0.3:
            # a root field several subgraphs resolve
            f = FieldSpec("shared", self.wrap(rng.choice(sorted(self.entities) + sorted(self.values) + ["Int"]), rng.random() < 0.5),
                          shareable=True)
            base = named_type(f.type)
            if base not in self.unions and not (base in self.entities and self.entities[base].interface):
                for s in rng.sample(fed2, 2):
                    self.subs[s].query["shared"] = f.copy()
                    self.ensure_field_types(s, f)

    def mark_authenticated(self) -> None:
        """Some plain fields need an authenticated caller; the fuzzer's callers are anonymous."""
        rng = self.rng
        if rng.random() > 0.25:
            return
        interface_fields = {f.name for fields in self.interfaces.values() for f in fields}
        required = GraphSpec(self.subs, [], {}).required_names
        places: dict[tuple[str, str], list[tuple[SubgraphSpec, FieldSpec]]] = {}
        for sub in self.subs:
            for t in sub.types.values():
                if t.kind == "object" and not t.name.startswith("KN"):
                    for f in t.fields.values():
                        places.setdefault((t.name, f.name), []).append((sub, f))
            for f in sub.query.values():
                places.setdefault(("Query", f.name), []).append((sub, f))
        candidates = []
        for (_, field_name), found in places.items():
            if field_name in KEY_FIELD_TYPES or field_name == "kn" or field_name in interface_fields or field_name in required:
                continue
            if any(f.external or f.provides or f.requires or f.override_from or f.overridden or sub.fed1 for sub, f in found):
                continue
            candidates.append(found)
        for found in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
            for sub, f in found:
                f.authenticated = True
                if sub.version < "2.5":
                    sub.version = "2.5"

    def finish(self) -> GraphSpec:
        # fields resolved by more than one subgraph are @shareable where they are not keys
        seen: dict[tuple[str, str], list[int]] = {}
        for s, sub in enumerate(self.subs):
            for t in sub.types.values():
                if t.kind != "object" or t.interface_object:
                    continue
                key_names = {n for fs, _ in t.keys for n in key_fields(fs)}
                for f in t.fields.values():
                    if f.external or f.overridden or f.override_from or f.name in key_names:
                        continue
                    seen.setdefault((t.name, f.name), []).append(s)
        for (type_name, field_name), places in seen.items():
            if len(places) > 1 or (type_name, field_name) in self.provided:
                for s in places:
                    t = self.subs[s].types[type_name]
                    if not t.shareable:
                        t.fields[field_name].shareable = True
        for sub in self.subs:
            if sub.fed1:
                for t in sub.types.values():
                    t.shareable = False
                    for f in t.fields.values():
                        f.shareable = False
                        f.inaccessible = False
        objects = sorted({n for sub in self.subs for n, t in sub.types.items()
                          if t.kind == "object" and not t.interface_object})
        implementers: dict[str, set[str]] = {}
        for sub in self.subs:
            for n, t in sub.types.items():
                for i in t.implements:
                    implementers.setdefault(i, set()).add(n)
                if t.kind == "union":
                    implementers.setdefault(n, set()).update(t.members)
        return GraphSpec(self.subs, objects, {k: sorted(v) for k, v in implementers.items()}, errors=self.rng.random() < 0.7)


def random_graph(rng: random.Random, *, allow_fed1: bool = True, large: bool = False) -> GraphSpec:
    """``large``: 3-6 subgraphs and 4-8 entities instead of 2-4 and 2-4."""
    builder = _Builder(rng, allow_fed1, large)
    builder.make_entities()
    builder.make_values()
    builder.make_interfaces()
    builder.make_entity_fields()
    builder.make_requires_provides_override()
    builder.make_roots()
    builder.mark_authenticated()
    return builder.finish()


# ---- rendering -----------------------------------------------------------------------

_IMPORTS = ["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", "@interfaceObject"]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _render_field(f: FieldSpec, fed1: bool) -> str:
    args = "(" + ", ".join(a.render() for a in f.args) + ")" if f.args else ""
    directives = []
    if f.external:
        directives.append("@external")
    if f.requires:
        directives.append(f"@requires(fields: {_quote(f.requires)})")
    if f.provides:
        directives.append(f"@provides(fields: {_quote(f.provides)})")
    if not fed1:
        if f.shareable:
            directives.append("@shareable")
        if f.override_from:
            label = f", label: {_quote(f.override_label)}" if f.override_label else ""
            directives.append(f"@override(from: {_quote(f.override_from)}{label})")
        if f.inaccessible:
            directives.append("@inaccessible")
        if f.authenticated:
            directives.append("@authenticated")
    return f"  {f.name}{args}: {f.type}" + ("".join(" " + d for d in directives))


def render_subgraph(sub: SubgraphSpec) -> str:
    lines = []
    if not sub.fed1:
        imports = [d for d in _IMPORTS if d != "@interfaceObject" or sub.version >= "2.3"]
        if sub.version >= "2.5":
            imports.append("@authenticated")
        lines.append(f'extend schema @link(url: "https://specs.apollo.dev/federation/v{sub.version}", import: ['
                     + ", ".join(f'"{d}"' for d in imports) + "])")
    for t in sub.types.values():
        if t.kind == "scalar":
            lines.append(f"scalar {t.name}")
            continue
        if t.kind == "enum":
            lines.append(f"enum {t.name} {{ " + " ".join(t.values) + " }")
            continue
        if t.kind == "union":
            lines.append(f"union {t.name} = " + " | ".join(t.members))
            continue
        if t.kind == "input":
            lines.append(f"input {t.name} {{\n" + "\n".join(f"  {f.name}: {f.type}" for f in t.fields.values()) + "\n}")
            continue
        head = ("extend " if t.extension else "") + ("interface " if t.kind == "interface" else "type ") + t.name
        if t.implements:
            head += " implements " + " & ".join(t.implements)
        for fieldset, resolvable in t.keys:
            head += f" @key(fields: {_quote(fieldset)}" + ("" if resolvable or sub.fed1 else ", resolvable: false") + ")"
        if t.interface_object:
            head += " @interfaceObject"
        if t.shareable and not sub.fed1:
            head += " @shareable"
        lines.append(head + " {\n" + "\n".join(_render_field(f, sub.fed1) for f in t.fields.values()) + "\n}")
    for root, fields in (("Query", sub.query), ("Mutation", sub.mutation)):
        if fields:
            lines.append(f"type {root} {{\n" + "\n".join(_render_field(f, sub.fed1) for f in fields.values()) + "\n}")
    return "\n".join(lines) + "\n"
