"""Random but plausible federated graphs, for differential testing against Apollo.

Each graph has 2-4 subgraphs sharing a few types: entities (sometimes with
non-resolvable keys), value types, @shareable fields, @external + @requires,
@provides, @override, @inaccessible, @tag, @authenticated, interfaces (sometimes
entity interfaces and @interfaceObject), unions and an enum used as input and/or
output. Roughly a quarter compose; the rest hit a spread of errors (satisfiability,
sharing, enums, interface keys...), which is what makes the comparison useful.
"""

from __future__ import annotations

import random

from router.composition.compose import SubgraphInput

_IMPORTS = ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@override", "@tag", "@interfaceObject"]


def random_graph(rng: random.Random) -> list[SubgraphInput]:
    n_subgraphs = rng.randint(2, 4)
    types = [f"T{i}" for i in range(rng.randint(2, 6))]
    entity = {t: rng.random() < 0.75 for t in types}
    owner = {t: rng.randrange(n_subgraphs) for t in types}
    use_enum = rng.random() < 0.5
    use_interface = rng.random() < 0.4
    interface_key = use_interface and rng.random() < 0.4
    interface_object = interface_key and rng.random() < 0.6
    subgraphs = []
    for s in range(n_subgraphs):
        version = rng.choice(["2.3", "2.5", "2.7", "2.9"])
        imports = _IMPORTS + (["@authenticated"] if version >= "2.5" else [])
        lines = [
            f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", import: ['
            + ", ".join(f'"{d}"' for d in imports)
            + "])"
        ]
        defined = [t for t in types if owner[t] == s or rng.random() < 0.45] or [rng.choice(types)]
        query: list[str] = []
        implementations = []
        for t in defined:
            fields = ["id: ID!"]
            if entity[t]:
                resolvable = ", resolvable: false" if rng.random() < 0.08 else ""
                type_directives = f'@key(fields: "id"{resolvable})'
            else:
                type_directives = "@shareable"
            if rng.random() < 0.5:
                fields.append("shared: String @shareable" if entity[t] else "shared: String")
            for k in range(rng.randint(0, 3)):
                field_type = rng.choice(["Int", "String", "[Int!]"] + [x for x in defined if x != t] + (["Color"] if use_enum else []))
                directive = ""
                roll = rng.random()
                if roll < 0.06:
                    directive = "@inaccessible"
                elif roll < 0.10 and version >= "2.5":
                    directive = "@authenticated"
                elif roll < 0.14:
                    directive = '@tag(name: "x")'
                fields.append(f"f{k}_{s}: {field_type} {directive}")
            if entity[t]:
                if owner[t] == s:
                    fields.append("ext: Int")
                    fields.append(f"moved_{t}: Int")
                else:
                    if rng.random() < 0.25:
                        fields.append("ext: Int @external")
                        fields.append(f'needsExt_{s}: Int @requires(fields: "ext")')
                    if rng.random() < 0.1:
                        fields.append(f'moved_{t}: Int @override(from: "s{owner[t]}")')
            implements = ""
            if use_interface and rng.random() < 0.4:
                implements = " implements Node"
                fields.append("name: String" + (" @shareable" if entity[t] else ""))
                implementations.append(t)
            lines.append(f"type {t}{implements} {type_directives} {{ " + " ".join(fields) + " }")
            if owner[t] == s or rng.random() < 0.2:
                query.append(f"get{t}_{s}(id: ID!): {t}")
        if implementations:
            key = ' @key(fields: "id")' if interface_key else ""
            lines.append(f"interface Node{key} {{ id: ID! name: String }}")
            query.append(f"nodes_{s}: [Node]")
        elif interface_object and rng.random() < 0.5:
            lines.append(f'type Node @key(fields: "id") @interfaceObject {{ id: ID! score_{s}: Int }}')
            query.append(f"nodeObject_{s}: Node")
        if len(defined) >= 2 and rng.random() < 0.3:
            lines.append(f"union U{s} = " + " | ".join(rng.sample(defined, 2)))
            query.append(f"search_{s}: [U{s}]")
        if rng.random() < 0.25:
            target = rng.choice(types)
            if entity[target] and target not in defined:
                lines.append(f'type {target} @key(fields: "id") {{ id: ID! shared: String @external }}')
                query.append(f'provided_{s}: {target} @provides(fields: "shared")')
        if use_enum:
            values = rng.sample(["RED", "GREEN", "BLUE"], rng.randint(1, 3)) if rng.random() < 0.3 else ["RED", "GREEN"]
            lines.append("enum Color { " + " ".join(values) + " }")
            if rng.random() < 0.3:
                query.append(f"byColor_{s}(c: Color): Int")
        if query:
            lines.append("type Query { " + " ".join(query) + " }")
        subgraphs.append(SubgraphInput(f"s{s}", f"http://s{s}", "\n".join(lines)))
    return subgraphs
