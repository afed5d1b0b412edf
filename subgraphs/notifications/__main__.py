"""``python -m subgraphs.notifications`` serves the subgraph; ``... send-promotion TEXT`` is an operator command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from subgraphs.common.database import Database
from subgraphs.common.errors import ClientError
from subgraphs.common.main import run_service
from subgraphs.common.settings import SettingsError, load_settings
from subgraphs.notifications import service
from subgraphs.notifications.app import SERVICE, definition
from subgraphs.notifications.live import publish_once
from subgraphs.notifications.models import Base


async def _send_promotion(content: str, idempotency_key: str | None) -> None:
    settings = load_settings(SERVICE)
    database = Database(settings.database_url)
    created: list[dict[str, Any]] = []
    database.on_commit(lambda info: created.extend(info.pop(service.CREATED, ())))
    try:
        await database.create_schema(Base.metadata)
        promotion = await service.send_promotion(
            database, content=content, sent_by="cli", idempotency_key=idempotency_key
        )
        print(f"promotion {promotion.id} sent to {promotion.recipients} users")
    finally:
        await database.dispose()
    try:  # live pushes to subscribers connected to the running replicas (best-effort)
        await asyncio.to_thread(publish_once, settings.amqp_url, settings.event_namespace, created)
    except Exception as exc:  # noqa: BLE001 - the promotion is stored; only the push is lost
        print(f"warning: live push not sent ({exc.__class__.__name__})", file=sys.stderr)


def main(argv: list[str]) -> int:
    if not argv:
        run_service(definition, SERVICE)
        return 0
    parser = argparse.ArgumentParser(prog="python -m subgraphs.notifications")
    sub = parser.add_subparsers(dest="command", required=True)
    promote = sub.add_parser("send-promotion", help="notify every user who accepts promotions")
    promote.add_argument("content")
    promote.add_argument("--idempotency-key", help="a retry with the same key does not send twice")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_send_promotion(args.content, args.idempotency_key))
    except SettingsError as exc:
        print(f"{SERVICE}: configuration error: {exc}", file=sys.stderr)
        return 2
    except ClientError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
