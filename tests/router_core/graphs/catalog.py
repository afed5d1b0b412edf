"""The "catalog" test graph: abstract types, @interfaceObject, @override (with a label),
nested multi-field keys, resolvable:false keys, @requires with arguments and nested fields.
"""

from __future__ import annotations

from typing import Any

from tests.router_core.fixtures import subgraph_sdl
from tests.router_core.subgraph_kit import Subgraph

ORG = {"__typename": "Org", "id": "o1"}
BOOKS = {
    "b1": {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 412, "kg": 0.5, "author": ("Frank", "o1")},
    "b2": {"__typename": "Book", "id": "b2", "title": "Emma", "pages": 320, "kg": 0.25, "author": None},
}
MOVIES = {"m1": {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117}}
AUTHORS = {("Frank", "o1"): {"bio": "Wrote Dune", "favourite": "b2"}}
RATINGS = {"b1": 5, "b2": 3, "m1": 4}
PODCASTS = {"p1": {"__typename": "Podcast", "id": "p1", "title": "Tech Talk", "episodes": 42}}
STORE_PRICES = {"b1": 20, "b2": 12}


def _book(book_id: str) -> dict[str, Any] | None:
    row = BOOKS.get(book_id)
    if row is None:
        return None
    author = None
    if row["author"]:
        name, org = row["author"]
        author = {"__typename": "Author", "name": name, "org": {**ORG, "id": org}}
    related = {"b1": "m1", "b2": "b1"}.get(book_id)
    return {**row, "price": 999, "discount": 1, "author": author, "related": _media(related) if related else None}


def _media(media_id: str) -> dict[str, Any] | None:
    return _book(media_id) or MOVIES.get(media_id)


def catalog_subgraphs() -> dict[str, Subgraph]:
    media = Subgraph(
        "media",
        subgraph_sdl("catalog", "media"),
        resolvers={
            "Query": {
                "media": lambda *_: [_book("b1"), MOVIES["m1"], _book("b2")],
                "search": lambda _r, _i, term: [MOVIES["m1"], _book("b1"), _book("b1")["author"]],  # type: ignore[index]
                "book": lambda _r, _i, id: _book(id),
            },
            "Book": {"weight": lambda obj, _i, unit="KG": obj["kg"] * (2.2 if unit == "LB" else 1.0)},
        },
        references={"Book": lambda rep: _book(rep["id"]), "Movie": lambda rep: MOVIES.get(rep["id"]),
                    "Media": lambda rep: _media(rep["id"])},
    )

    def author_reference(rep: dict[str, Any]) -> dict[str, Any] | None:
        found = AUTHORS.get((rep["name"], rep["org"]["id"]))
        if found is None:
            return None
        favourite = {"__typename": "Book", "id": found["favourite"]} if found["favourite"] else None
        return {"__typename": "Author", "name": rep["name"], "org": rep["org"], "bio": found["bio"], "favourite": favourite}

    people = Subgraph(
        "people",
        subgraph_sdl("catalog", "people"),
        resolvers={"Query": {"authors": lambda *_: [author_reference({"name": "Frank", "org": {"id": "o1"}})]}},
        references={"Author": author_reference},
    )
    ratings = Subgraph(
        "ratings",
        subgraph_sdl("catalog", "ratings"),
        resolvers={"Query": {"topRated": lambda *_: [
            {"__typename": "Media", "id": i, "rating": RATINGS[i]} for i in ("b1", "m1")
        ]}},
        references={"Media": lambda rep: {"__typename": "Media", "id": rep["id"], "rating": RATINGS[rep["id"]]}},
    )

    def store_book(rep: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {"__typename": "Book", "id": rep["id"], "price": STORE_PRICES[rep["id"]], "discount": 50}
        if "pages" in rep and "weight" in rep:
            result["shippingCost"] = round(rep["pages"] / 100 + rep["weight"] * 10)
        if "title" in rep and "author" in rep:
            author = rep["author"]
            by = f"{author['name']} ({author['org']['id']})" if author else "anonymous"
            result["blurb"] = f"{rep['title']} by {by}"
        if "related" in rep:
            related = rep["related"]
            if related is None:
                result["seeAlso"] = "nothing"
            elif related["__typename"] == "Book":
                result["seeAlso"] = f"{related['title']} ({related['pages']} pages)"
            else:
                result["seeAlso"] = f"{related['title']} ({related['minutes']} min)"
        return result

    store = Subgraph("store", subgraph_sdl("catalog", "store"), references={"Book": store_book})
    podcasts = Subgraph(
        "podcasts",
        subgraph_sdl("catalog", "podcasts"),
        resolvers={"Query": {"trending": lambda *_: [PODCASTS["p1"], {"__typename": "Book", "id": "b2"}]}},
        references={"Podcast": lambda rep: PODCASTS.get(rep["id"])},
    )
    return {s.name: s for s in (media, people, ratings, store, podcasts)}
