"""make run serves the committed supergraph when it is current, a fresh composition from
the data directory when it is missing or stale, and never rewrites the committed file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.launcher.supergraph import SupergraphError, choose_supergraph

ROOT = Path(__file__).resolve().parents[2]
SUBGRAPHS = ("users", "notifications", "recommendations", "orders")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """supergraph.yaml, the subgraph schemas and the committed supergraph, as in the repo."""
    root = tmp_path / "repo"
    for name in SUBGRAPHS:
        (root / "subgraphs" / name).mkdir(parents=True)
        shutil.copy(ROOT / "subgraphs" / name / "schema.graphql", root / "subgraphs" / name / "schema.graphql")
    shutil.copy(ROOT / "supergraph.yaml", root / "supergraph.yaml")
    shutil.copy(ROOT / "supergraph.graphql", root / "supergraph.graphql")
    (root / "data").mkdir()
    return root


def test_the_current_committed_supergraph_is_served(checkout: Path) -> None:
    choice = choose_supergraph(checkout, checkout / "data")
    assert choice.path == checkout / "supergraph.graphql" and choice.note is None
    assert list((checkout / "data").iterdir()) == []


def test_a_stale_one_is_left_alone_and_a_fresh_composition_served(checkout: Path) -> None:
    committed = (checkout / "supergraph.graphql").read_text()
    schema = checkout / "subgraphs" / "orders" / "schema.graphql"
    schema.write_text(schema.read_text().replace("type Query {", 'type Query {\n  """New."""\n  shopName: String!\n', 1))
    choice = choose_supergraph(checkout, checkout / "data")
    assert choice.path == checkout / "data" / "supergraph.graphql"
    assert "shopName" in choice.path.read_text()
    assert choice.note is not None and "out of date" in choice.note and "make compose" in choice.note
    assert (checkout / "supergraph.graphql").read_text() == committed


def test_a_missing_one_is_composed_into_the_data_directory(checkout: Path) -> None:
    (checkout / "supergraph.graphql").unlink()
    choice = choose_supergraph(checkout, checkout / "data")
    assert choice.path == checkout / "data" / "supergraph.graphql"
    assert choice.path.read_text() == (ROOT / "supergraph.graphql").read_text()
    assert choice.note is not None and choice.note.startswith("supergraph.graphql is missing")
    assert not (checkout / "supergraph.graphql").exists()


def test_schemas_that_do_not_compose_are_reported_with_the_composer_message(checkout: Path) -> None:
    schema = checkout / "subgraphs" / "recommendations" / "schema.graphql"
    reference = 'type Product @key(fields: "id", resolvable: false) {\n  id: Int!'
    assert reference in schema.read_text()
    schema.write_text(schema.read_text().replace(reference, reference.replace("Int!", "String!")))  # orders says Int!
    with pytest.raises(SupergraphError, match="do not compose") as error:
        choose_supergraph(checkout, checkout / "data")
    assert "Product.id" in str(error.value)
