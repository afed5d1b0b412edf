"""A federation 1 supergraph (join v0.1, @join__owner, extension keys) end to end."""

from __future__ import annotations

from tests.router_core.conftest import Router


async def test_owner_fields_value_types_and_extension_fields(fed1_router: Router) -> None:
    result = await fed1_router.run("{ books { title details { pages } available } }")
    assert result == {
        "data": {
            "books": [
                {"title": "Dune", "details": {"pages": 412}, "available": True},
                {"title": "Emma", "details": {"pages": 320}, "available": False},
            ]
        }
    }
    assert fed1_router.subgraphs["library"].entity_calls() == [
        [{"__typename": "Book", "isbn": "1"}, {"__typename": "Book", "isbn": "2"}]
    ]


async def test_fed1_requires_and_provides(fed1_router: Router) -> None:
    result = await fed1_router.run("{ libraries { name featured { title } books { isbn label year } } }")
    assert result == {
        "data": {
            "libraries": [
                {
                    "name": "Central",
                    "featured": {"title": "Dune (featured)"},
                    "books": [{"isbn": "2", "label": "Emma (1815)", "year": 1815}, {"isbn": "1", "label": "Dune (1965)", "year": 1965}],
                }
            ]
        }
    }
    # the provided title needed no trip to books for "featured"; books was asked once, for the list
    assert fed1_router.subgraphs["books"].entity_calls() == [
        [{"__typename": "Book", "isbn": "2"}, {"__typename": "Book", "isbn": "1"}]
    ]
    assert fed1_router.subgraphs["library"].entity_calls() == [
        [
            {"__typename": "Book", "isbn": "2", "title": "Emma", "year": 1815},
            {"__typename": "Book", "isbn": "1", "title": "Dune", "year": 1965},
        ]
    ]
