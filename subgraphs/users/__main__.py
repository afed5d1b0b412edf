"""``python -m subgraphs.users`` serves the subgraph; ``... grant-role EMAIL ROLE`` is an operator command."""

from __future__ import annotations

import argparse
import asyncio
import sys

from subgraphs.common.database import Database
from subgraphs.common.errors import ClientError
from subgraphs.common.main import run_service
from subgraphs.common.settings import SettingsError, load_settings
from subgraphs.users import service
from subgraphs.users.app import SERVICE, definition
from subgraphs.users.models import Base


async def _grant_role(email: str, role: str) -> None:
    settings = load_settings(SERVICE)
    database = Database(settings.database_url)
    try:
        await database.create_schema(Base.metadata)
        user = await service.grant_role(database, email, role)
        print(f"user {user.id} ({user.email}) now has roles: {user.roles}")
    finally:
        await database.dispose()


def main(argv: list[str]) -> int:
    if not argv:
        run_service(definition, SERVICE)
        return 0
    parser = argparse.ArgumentParser(prog="python -m subgraphs.users")
    sub = parser.add_subparsers(dest="command", required=True)
    grant = sub.add_parser("grant-role", help="give a user a role (e.g. admin, to send promotions)")
    grant.add_argument("email")
    grant.add_argument("role")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_grant_role(args.email, args.role))
    except SettingsError as exc:
        print(f"{SERVICE}: configuration error: {exc}", file=sys.stderr)
        return 2
    except ClientError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
