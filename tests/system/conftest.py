"""The whole system as separate processes: four subgraphs on PostgreSQL, real RabbitMQ.

The services reach the broker through a TCP proxy, so a test can cut every broker
connection without touching the shared broker; one test also stops the broker itself.
The cluster is shared by the package (users are unique per test, so tests never see
each other's data); a test that kills a service restarts it before it ends.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from subgraphs.common.events.topology import QUEUES
from tests.subgraphs.helpers import Service, delete_namespace, new_namespace, subgraph_env
from tests.support.databases import postgres_database
from tests.support.rabbit import RabbitClient
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.system, pytest.mark.rabbitmq, pytest.mark.postgres]

PASSWORD = "s3cure-Passw0rd"
SERVICES = ("users", "orders", "notifications", "recommendations")
STATUS_INTERVAL = 1.0
RECOMMENDATION_INTERVAL = 2.0


class Cluster:
    def __init__(self, services: dict[str, Service], proxy: TcpProxy, namespace: str) -> None:
        self.services = services
        self.proxy = proxy
        self.namespace = namespace
        self.users = services["users"]
        self.orders = services["orders"]
        self.notifications = services["notifications"]
        self.recommendations = services["recommendations"]
        self._product_names: dict[int, str] | None = None

    # -- people ----------------------------------------------------------------------------

    def register(self, name: str = "Test User", **preferences: bool) -> tuple[int, str, str]:
        """Register and log in through the users service; return (user id, token, email)."""
        email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com"
        user_input: dict[str, Any] = {"name": name, "email": email, "password": PASSWORD}
        if preferences:
            user_input["preferences"] = preferences
        user = self.users.data("mutation($i: UserInput!) { register(userInput: $i) { id } }", {"i": user_input})
        login = self.users.data(
            "mutation($i: LoginInput!) { login(loginInput: $i) { token userId } }",
            {"i": {"email": email, "password": PASSWORD}},
        )["login"]
        assert login["userId"] == user["register"]["id"]
        return login["userId"], login["token"], email

    def login(self, email: str) -> str:
        return self.users.data(
            "mutation($i: LoginInput!) { login(loginInput: $i) { token } }", {"i": {"email": email, "password": PASSWORD}}
        )["login"]["token"]

    # -- orders ------------------------------------------------------------------------------

    def place_order(self, token: str, items: list[dict[str, int]]) -> dict[str, Any]:
        return self.orders.data(
            "mutation($i: OrderInput!) { placeOrder(orderInput: $i) { id userId status } }", {"i": {"items": items}}, token
        )["placeOrder"]

    def orders_of(self, token: str) -> list[dict[str, Any]]:
        return self.orders.data("{ orders(first: 100) { id status } }", token=token)["orders"]

    def product_names(self) -> dict[int, str]:
        if self._product_names is None:
            products = self.orders.data("{ products(first: 100) { id name } }")["products"]
            self._product_names = {p["id"]: p["name"] for p in products}
        return self._product_names

    # -- notifications and recommendations ----------------------------------------------------

    def notifications_of(self, token: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after = None
        while True:  # page through with the cursor: bursts make more than one page
            page = self.notifications.data(
                "query($after: Int) { userNotifications(first: 100, after: $after) { id userId type content sentAt read } }",
                {"after": after},
                token,
            )["userNotifications"]
            found += page
            if len(page) < 100:
                return found
            after = page[-1]["id"]

    def recommendations_of(self, token: str) -> list[dict[str, Any]]:
        return self.recommendations.data(
            "{ recommendations(first: 100) { id userId productId reason product { id } } }", token=token
        )["recommendations"]

    # -- broker ------------------------------------------------------------------------------

    def dead_letters(self) -> dict[str, int]:
        client = RabbitClient()
        try:
            counts = {spec.name: client.message_count(self.namespace + spec.name + ".dead") for spec in QUEUES}
        finally:
            client.close()
        return {name: count for name, count in counts.items() if count}

    def wait_connected(self, timeout: float = 30.0) -> None:
        """Until every service reports its broker connections (publisher and consumers) up."""
        wait_for(lambda: all(_healthy(service) for service in self.services.values()), timeout=timeout)


def _healthy(service: Service) -> bool:
    assert service.client is not None
    try:
        report = service.client.get("/health").json()
    except Exception:  # noqa: BLE001 - restarting
        return False
    return bool(report.get("broker") == "ok")


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
        time.sleep(interval)


def settled(read: Callable[[], Any], check: Callable[[Any], bool], timeout: float = 60.0, quiet: float = 1.5) -> Any:
    """Poll ``read()`` until ``check`` holds and the value stays unchanged for ``quiet`` seconds.

    Counting "no duplicates" right when the expected number first appears would miss a
    duplicate arriving a moment later; the quiet period gives it the chance to show up.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    since = time.monotonic()
    while True:
        value = read()
        if value != last:
            last, since = value, time.monotonic()
        elif check(value) and time.monotonic() - since >= quiet:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled after {timeout}s; last value: {last!r}")
        time.sleep(0.3)


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp: Path = tmp_path_factory.mktemp("system")
    namespace = new_namespace()
    proxy = TcpProxy("127.0.0.1", 5672).start()
    with contextlib.ExitStack() as stack:
        urls = {name: stack.enter_context(postgres_database(f"sys_{name}")) for name in SERVICES}
        services = {
            name: Service(
                name,
                subgraph_env(
                    urls[name],
                    namespace,
                    AMQP_URL=f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F",
                    ORDER_STATUS_INTERVAL_SECONDS=str(STATUS_INTERVAL),
                    RECOMMENDATION_INTERVAL_SECONDS=str(RECOMMENDATION_INTERVAL),
                    CONSUMER_RETRY_DELAY_MS="200",
                    LOG_LEVEL="INFO",
                ),
                tmp / f"{name}.log",
            )
            for name in SERVICES
        }
        try:
            with concurrent.futures.ThreadPoolExecutor(len(services)) as pool:
                list(pool.map(lambda service: service.start(), services.values()))
            cluster = Cluster(services, proxy, namespace)
            cluster.wait_connected()
            yield cluster
        finally:
            for service in services.values():
                service.stop()
            proxy.close()
            delete_namespace(namespace)
