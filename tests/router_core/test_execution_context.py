"""@context/@fromContext (join v0.5 contextArguments): values read from an ancestor per object."""

from __future__ import annotations

from tests.router_core.conftest import Router


async def test_context_values_come_from_each_objects_own_ancestor(context_graph: Router) -> None:
    context_graph.reset()
    result = await context_graph.run("{ shops { id items { id price } } }")
    assert result == {
        "data": {
            "shops": [
                {"id": "s1", "items": [{"id": "i1", "price": "1.50 EUR"}, {"id": "i2", "price": "2.99 EUR"}]},
                {"id": "s2", "items": [{"id": "i3", "price": "10.00 USD"}, {"id": "i1", "price": "1.50 USD"}]},
            ]
        }
    }
    # the context value was fetched from shops first, then one _entities call per distinct value
    price_calls = [r for r in context_graph.subgraphs["accounts"].requests if "contextualArgument" in r["query"]]
    assert sorted((r["variables"]["contextualArgument_0"], len(r["variables"]["representations"])) for r in price_calls) == [
        ("EUR", 2),
        ("USD", 2),
    ]


def test_context_plan_passes_the_value_as_a_variable(context_graph: Router) -> None:
    plan = context_graph.plan("{ shops { items { price } } }")
    last = plan.fetches[-1]
    assert last.subgraph == "accounts" and last.is_entity
    assert "price(currency: $contextualArgument_0)" in last.operation
    assert "$contextualArgument_0: String" in last.operation
    assert [c.name for c in last.contexts] == ["contextualArgument_0"]
