"""The users service as its own process over real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import service_env
from tests.support.databases import postgres_database
from tests.support.rabbit import RabbitClient
from tests.support.servers import ServiceProcess


class UsersService:
    def __init__(self, process: ServiceProcess, namespace: str, log_path: Path, database_url: str) -> None:
        self.process = process
        self.namespace = namespace
        self.log_path = log_path
        self.database_url = database_url
        self.client = httpx.Client(base_url=process.url, timeout=30)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.headers["content-type"].startswith("application/json"), response.text
        body: dict[str, Any] = response.json()
        body["_status"] = response.status_code
        return body

    def register(self, email: str | None = None, password: str = "s3cure-Passw0rd", **prefs: bool) -> dict[str, Any]:
        email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
        result = self.gql(
            "mutation($input: UserInput!) { register(userInput: $input) { id name email preferences { promotions orderUpdates recommendations } } }",
            {"input": {"name": "Test User", "email": email, "password": password, **({"preferences": prefs} if prefs else {})}},
        )
        assert "errors" not in result, result
        return result["data"]["register"]  # type: ignore[no-any-return]

    def login(self, email: str, password: str = "s3cure-Passw0rd") -> str:
        result = self.gql(
            "mutation($e: String!, $p: String!) { login(loginInput: {email: $e, password: $p}) { token userId } }",
            {"e": email, "p": password},
        )
        assert "errors" not in result, result
        return result["data"]["login"]["token"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def users_service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, broker: None) -> Iterator[UsersService]:
    tmp = tmp_path_factory.mktemp(f"users-{request.param}")
    namespace = f"t{uuid.uuid4().hex[:10]}."
    with postgres_database("users") if request.param == "postgres" else _sqlite(tmp) as database_url:
        log_path = tmp / "service.log"
        process = ServiceProcess(
            ["-m", "subgraphs.users"], service_env(database_url, namespace), log_path=str(log_path)
        ).start()
        service = UsersService(process, namespace, log_path, database_url)
        try:
            yield service
        finally:
            service.client.close()
            process.stop()
            client = RabbitClient()
            client.delete_namespace(namespace)
            client.close()


class _sqlite:
    def __init__(self, tmp: Path) -> None:
        self.url = f"sqlite:///{tmp}/users.db"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *_exc: object) -> None:
        return None
