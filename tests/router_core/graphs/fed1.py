"""The federation 1 test graph (join v0.1 supergraph): books and library."""

from __future__ import annotations

from tests.router_core.fixtures import subgraph_sdl
from tests.router_core.subgraph_kit import Subgraph

BOOKS = {
    "1": {"__typename": "Book", "isbn": "1", "title": "Dune", "year": 1965, "details": {"pages": 412, "language": "en"}},
    "2": {"__typename": "Book", "isbn": "2", "title": "Emma", "year": 1815, "details": {"pages": 320, "language": "en"}},
}
AVAILABLE = {"1": True, "2": False}


def fed1_subgraphs() -> dict[str, Subgraph]:
    books = Subgraph(
        "books",
        subgraph_sdl("fed1", "books"),
        resolvers={"Query": {"books": lambda *_: list(BOOKS.values()), "book": lambda _r, _i, isbn: BOOKS.get(isbn)}},
        references={"Book": lambda rep: BOOKS.get(rep["isbn"])},
    )

    def library_book(rep: dict) -> dict:
        result = {"__typename": "Book", "isbn": rep["isbn"], "available": AVAILABLE.get(rep["isbn"])}
        if "title" in rep and "year" in rep:
            result["label"] = f"{rep['title']} ({rep['year']})"
        return result

    library = Subgraph(
        "library",
        subgraph_sdl("fed1", "library"),
        resolvers={
            "Query": {
                "libraries": lambda *_: [
                    {
                        "__typename": "Library",
                        "id": "l1",
                        "name": "Central",
                        "books": [{"__typename": "Book", "isbn": "2"}, {"__typename": "Book", "isbn": "1"}],
                        # library @provides the title of its featured book
                        "featured": {"__typename": "Book", "isbn": "1", "title": "Dune (featured)"},
                    }
                ]
            }
        },
        references={"Book": library_book},
    )
    return {s.name: s for s in (books, library)}
