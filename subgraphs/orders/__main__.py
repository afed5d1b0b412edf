"""``python -m subgraphs.orders`` serves the subgraph; ``... publish-catalog`` republishes the catalogue."""

from __future__ import annotations

import argparse
import asyncio
import sys

from subgraphs.common.database import Database
from subgraphs.common.main import run_service
from subgraphs.common.settings import SettingsError, load_settings
from subgraphs.orders import service
from subgraphs.orders.app import SERVICE, definition
from subgraphs.orders.models import Base


async def _publish_catalog() -> None:
    settings = load_settings(SERVICE)
    database = Database(settings.database_url)
    try:
        await database.create_schema(Base.metadata)
        await service.seed_catalog(database)
        count = await service.publish_catalog(database)
        # The events are in the outbox; the running service's relay publishes them.
        print(f"queued {count} product.upserted events (published by the running orders service)")
    finally:
        await database.dispose()


def main(argv: list[str]) -> int:
    if not argv:
        run_service(definition, SERVICE)
        return 0
    parser = argparse.ArgumentParser(prog="python -m subgraphs.orders")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("publish-catalog", help="publish every product again (to rebuild a consumer's catalogue mirror)")
    parser.parse_args(argv)
    try:
        asyncio.run(_publish_catalog())
    except SettingsError as exc:
        print(f"{SERVICE}: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
