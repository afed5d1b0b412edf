"""``@defer`` against the same operation without it, on random federated graphs.

The differential generator's operations get random selections wrapped in
``... @defer`` (some labelled, nested where the wrapping nests, in named fragments
too); the incremental payloads, merged the way Apollo Client merges them (objects by
key, lists item by item), must equal the plain answer when that answer has no error.
With errors the defer boundary may legitimately change null propagation, so only the
stream's shape is checked (one final ``hasNext: false``). No Node needed.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    parse,
    print_ast,
)

from router.auth import ANONYMOUS, Authenticator
from router.config import RouterConfig
from router.gateway.engine import FederatedEngine
from router.gateway.pipeline import Gateway
from router.gateway.request import GraphQLRequest
from router.supergraph import load_supergraph
from tests.differential.data import SubgraphHost
from tests.differential.graphs import random_graph
from tests.differential.harness import compose_graph
from tests.differential.operations import random_operation
from tests.support.incremental import apply

SEED = 5000
GRAPHS = 30
OPERATIONS = 12


def _defer(label: str | None) -> DirectiveNode:
    arguments = (ArgumentNode(name=NameNode(value="label"), value=StringValueNode(value=label)),) if label else ()
    return DirectiveNode(name=NameNode(value="defer"), arguments=arguments)


def _wrap(rng: random.Random, selection_set: SelectionSetNode, labels: list[int]) -> SelectionSetNode:
    selections = [
        dataclasses.replace(node, selection_set=_wrap(rng, node.selection_set, labels))
        if getattr(node, "selection_set", None) is not None else node
        for node in selection_set.selections
    ]
    if rng.random() < 0.5:
        picked = set(rng.sample(range(len(selections)), rng.randint(1, len(selections))))
        labels.append(len(labels) + 1)
        fragment = InlineFragmentNode(
            type_condition=None,
            directives=(_defer(f"l{labels[-1]}" if rng.random() < 0.5 else None),),
            selection_set=SelectionSetNode(selections=tuple(s for i, s in enumerate(selections) if i in picked)),
        )
        selections = [s for i, s in enumerate(selections) if i not in picked] + [fragment]
    return dataclasses.replace(selection_set, selections=tuple(selections))


def with_defers(rng: random.Random, text: str) -> str:
    document = parse(text)
    labels: list[int] = []
    definitions = tuple(
        dataclasses.replace(d, selection_set=_wrap(rng, d.selection_set, labels))
        if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode)) else d
        for d in document.definitions
    )
    return print_ast(dataclasses.replace(document, definitions=definitions))


async def test_deferred_answers_merge_into_the_plain_answer() -> None:
    host = SubgraphHost()
    compared = deferred = 0
    try:
        for seed in range(SEED, SEED + GRAPHS):
            graph = random_graph(random.Random(seed))
            urls = host.add(f"g{seed}", graph)
            try:
                supergraph = compose_graph(graph, urls)
                if supergraph is None:
                    continue
                loaded = load_supergraph(supergraph)
                config = RouterConfig()
                engine = FederatedEngine(loaded, config)
                gateway = Gateway(engine, config, Authenticator(config.auth))
                rng = random.Random(seed)
                try:
                    for _ in range(OPERATIONS):
                        op = random_operation(rng, loaded.api_schema)
                        if any(isinstance(d, OperationDefinitionNode) and d.operation is not OperationType.QUERY
                               for d in parse(op.text).definitions):
                            continue
                        text = with_defers(rng, op.text)
                        plain = await gateway.run(
                            GraphQLRequest(op.text, op.operation_name, op.variables), method="POST",
                            principal=ANONYMOUS, headers={},
                        )
                        if "data" not in plain.body:
                            continue  # a request error (e.g. a variable of the wrong type): nothing to defer
                        prepared, variables = gateway.prepare(GraphQLRequest(text, op.operation_name, op.variables), method="POST")
                        if not gateway.deferred(prepared, variables):
                            continue
                        deferred += 1
                        payloads = [p async for p in gateway.incremental(prepared, variables, ANONYMOUS, {})]
                        assert [p["hasNext"] for p in payloads] == [True] * (len(payloads) - 1) + [False], text
                        if plain.body.get("errors"):
                            continue
                        compared += 1
                        assert apply(payloads) == {"data": plain.body["data"]}, f"seed {seed}\n{text}\n{op.variables}"
                        assert "errors" not in payloads[0] and not any("errors" in p for p in payloads[1:]), text
                finally:
                    await engine.aclose()
            finally:
                host.remove(f"g{seed}")
    finally:
        host.close()
    assert deferred >= GRAPHS * OPERATIONS * 0.4 and compared >= deferred * 0.5, (deferred, compared)
