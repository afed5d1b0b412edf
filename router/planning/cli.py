"""``python -m router plan``: print the query plan of an operation over a supergraph."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphql import GraphQLError, parse, validate

from router.planning.errors import PlanningError
from router.planning.planner import QueryPlanner
from router.supergraph import SupergraphError, load_supergraph


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", required=True, help="supergraph SDL file")
    parser.add_argument("--query", required=True, help="operation text, or a file holding it")
    parser.add_argument("--variables", default=None, help="variables as JSON (decide @skip/@include)")
    parser.add_argument("--operation-name", default=None, help="operation to plan when the document has several")
    parser.add_argument(
        "--operations", action="store_true", help="also print the exact GraphQL sent to each subgraph"
    )


def _read_query(value: str) -> str:
    path = Path(value)
    try:
        if len(value) < 4096 and "{" not in value and path.is_file():
            return path.read_text()
    except OSError:
        pass
    return value


def run(args: argparse.Namespace) -> int:
    try:
        supergraph = load_supergraph(Path(args.supergraph).read_text())
    except OSError as error:
        print(f"error: cannot read supergraph: {error}", file=sys.stderr)
        return 2
    except SupergraphError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        variables = json.loads(args.variables) if args.variables else {}
    except json.JSONDecodeError as error:
        print(f"error: --variables is not JSON: {error}", file=sys.stderr)
        return 2
    if not isinstance(variables, dict):
        print("error: --variables must be a JSON object", file=sys.stderr)
        return 2
    try:
        document = parse(_read_query(args.query))
    except GraphQLError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    errors = validate(supergraph.api_schema, document)
    if errors:
        for error in errors:
            print(f"error: {error.message}", file=sys.stderr)
        return 1
    try:
        plan = QueryPlanner(supergraph).plan(document, args.operation_name, variables)
    except PlanningError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(plan.describe())
    if args.operations:
        for fetch in plan.fetches:
            print(f"\n# {fetch.id} -> {fetch.subgraph}\n{fetch.operation}")
    return 0
