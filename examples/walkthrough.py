"""The original "Testing Workflow", run against the running system: ``make demo``.

A new customer registers (a fresh email each run), logs in, and from then on sends the
token; places three orders; sees the "placed" notifications, then the automatic status
updates; marks one notification read; and sees the personalised recommendations, with
product names joined in by the router from the orders subgraph, and their notifications.
Every step goes through the router, the one endpoint clients use, with the public API
as README shows it.

The automatic steps take as long as the running system is configured for, so the
intervals are read from the orders and recommendations services' ``/health`` (their
``jobs``): a system started with short intervals gives a short demo; with the defaults
the walkthrough says how long the status updates take and waits with visible progress,
within a bound (``--no-wait`` skips that wait).

    python -m examples.walkthrough [--router-url URL] [--no-wait]

ROUTER_URL (default http://127.0.0.1:8000/graphql), ORDER_SERVICE_URL and
RECOMMEND_SERVICE_URL (default ports 8004 and 8003) say where the system runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from examples.client import GraphQLClient, GraphQLFailure, Unreachable, get_json, health_url, job_interval

DEFAULT_ROUTER_URL = "http://127.0.0.1:8000/graphql"
DEFAULT_ORDERS_URL = "http://127.0.0.1:8004/graphql"
DEFAULT_RECOMMENDATIONS_URL = "http://127.0.0.1:8003/graphql"
PASSWORD = "a-g00d-passphrase"
# README's defaults, assumed when a service's /health does not say.
DEFAULT_STATUS_INTERVAL = 30.0
DEFAULT_REFRESH_INTERVAL = 600.0
STAGES = ("placed", "processing", "shipped", "delivered")
QUICK_LIFECYCLE_SECONDS = 30.0  # wait for delivery when the whole lifecycle takes this long at most
EVENT_WAIT_SECONDS = 30.0  # events between services take well under a second; this is a bound
POLL_SECONDS = 0.5
PROGRESS_SECONDS = 5.0
STEPS = 10

REGISTER = """mutation Register($input: UserInput!) {
  register(userInput: $input) { id name email preferences { promotions orderUpdates recommendations } }
}"""
LOGIN = "mutation Login($input: LoginInput!) { login(loginInput: $input) { token userId } }"
ME = "query Me { me { id name email } }"
UPDATE_PREFERENCES = """mutation Prefs($input: PrefsInput!) {
  updatePreferences(prefsInput: $input) { preferences { promotions orderUpdates recommendations } }
}"""
PRODUCTS = "query Products { products(first: 100) { id name category price } }"
PLACE_ORDER = "mutation Place($input: OrderInput!) { placeOrder(orderInput: $input) { id userId status } }"
ORDERS = "query Orders { orders(first: 50) { id status } }"
NOTIFICATIONS = "query Notifications { userNotifications(first: 100) { id userId type content sentAt read } }"
MARK_READ = "mutation MarkRead($id: Int!) { markNotificationRead(notificationId: $id) { id read sentAt } }"
UNREAD_COUNT = "query Unread { unreadNotificationCount }"
RECOMMENDATIONS = """query Recommendations {
  recommendations(first: 20) { id userId productId reason product { id name category price } }
}"""
EVERYTHING = """query Everything {
  me { name orders(first: 3) { id status } unreadNotificationCount recommendations(first: 3) { product { name } } }
}"""


@dataclass(frozen=True)
class Options:
    router_url: str = DEFAULT_ROUTER_URL
    orders_url: str = DEFAULT_ORDERS_URL
    recommendations_url: str = DEFAULT_RECOMMENDATIONS_URL
    wait: bool = True


@dataclass
class Outcome:
    """What the walkthrough saw, step by step (the system test asserts on it)."""

    email: str = ""
    user_id: int | None = None
    orders: list[dict[str, Any]] = field(default_factory=list)
    order_notifications: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)
    marked: dict[str, Any] | None = None
    unread_after_mark: int | None = None
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    recommendation_notifications: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Intervals:
    status: float
    refresh: float
    known: bool  # read from the running services, not assumed


class Printer:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.step = 0

    def title(self, text: str) -> None:
        self.step += 1
        self.line(f"\n[{self.step}/{STEPS}] {text}")

    def line(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def answer(self, text: str) -> None:
        self.line(f"      {text}")


def read_intervals(options: Options) -> Intervals:
    orders = get_json(health_url(options.orders_url))
    recommendations = get_json(health_url(options.recommendations_url))
    status = job_interval(orders, "advance-order-status")
    refresh = job_interval(recommendations, "refresh-recommendations")
    return Intervals(
        status=DEFAULT_STATUS_INTERVAL if status is None else status,
        refresh=DEFAULT_REFRESH_INTERVAL if refresh is None else refresh,
        known=status is not None and refresh is not None,
    )


def wait_for(
    check: Callable[[], Any],
    bound: float,
    printer: Printer,
    describe: Callable[[], str] | None = None,
) -> Any:
    """Poll ``check`` until it returns something truthy (returned) or ``bound`` seconds pass
    (None); every few seconds a progress line says how long it has been and what is seen."""
    start = time.monotonic()
    next_progress = start + PROGRESS_SECONDS
    while True:
        value = check()
        if value:
            return value
        now = time.monotonic()
        if now - start >= bound:
            return None
        if now >= next_progress:
            seen = f": {describe()}" if describe else ""
            printer.answer(f"... {now - start:.0f} s of at most {bound:.0f} s{seen}")
            next_progress = now + PROGRESS_SECONDS
        time.sleep(POLL_SECONDS)


def pick_products(products: list[dict[str, Any]], count: int = 3) -> list[dict[str, Any]]:
    """One product from each of the first ``count`` categories: a varied basket."""
    chosen: dict[str, dict[str, Any]] = {}
    for product in sorted(products, key=lambda p: p["id"]):
        chosen.setdefault(product["category"], product)
    return list(chosen.values())[:count]


def lifecycle_seconds(status_interval: float, steps: int) -> float:
    """How long ``steps`` automatic status changes can take at most."""
    return (steps + 0.5) * status_interval if steps else 0.0


def notifications_of(client: GraphQLClient, kind: str) -> list[dict[str, Any]]:
    notifications = client.execute(NOTIFICATIONS)["userNotifications"]
    return sorted((n for n in notifications if n["type"] == kind), key=lambda n: n["id"])


def order_updates(client: GraphQLClient) -> list[dict[str, Any]]:
    return notifications_of(client, "order_update")


def show_notification(printer: Printer, notification: dict[str, Any]) -> None:
    state = "read  " if notification["read"] else "unread"
    printer.answer(f"#{notification['id']} [{state}] {notification['content']}")


def show_announced(client: GraphQLClient, printer: Printer, kind: str, count: int) -> list[dict[str, Any]] | None:
    """Wait until at least ``count`` notifications of ``kind`` are in, and show them; None
    when they do not all arrive in time (events are asynchronous)."""

    def enough() -> list[dict[str, Any]] | None:
        notifications = notifications_of(client, kind)
        return notifications if len(notifications) >= count else None

    found: list[dict[str, Any]] | None = wait_for(enough, EVENT_WAIT_SECONDS, printer)
    for notification in found or ():
        show_notification(printer, notification)
    return found


def run(options: Options, out: TextIO = sys.stdout) -> Outcome:
    """The walkthrough; raises Unreachable/GraphQLFailure when a step cannot go on."""
    printer = Printer(out)
    outcome = Outcome()
    with GraphQLClient(options.router_url) as client:
        try:
            client.execute("query Ping { __typename }")
        except Unreachable as exc:
            raise Unreachable(
                f"the router is not reachable at {options.router_url} ({exc}). Start the system with "
                f"`make run` in another terminal, or set ROUTER_URL to where it runs."
            ) from None
        intervals = read_intervals(options)
        printer.line(f"Walkthrough against the router at {options.router_url}")
        source = "from the services' /health" if intervals.known else "assumed: the services' /health did not say"
        printer.line(
            f"order statuses advance every {intervals.status:g} s, recommendations are refreshed every "
            f"{intervals.refresh:g} s ({source})"
        )
        _account(client, printer, outcome)
        _orders(client, printer, outcome)
        _status_updates(client, printer, outcome, intervals, options.wait)
        _mark_read(client, printer, outcome)
        _recommendations(client, printer, outcome, intervals)
        _everything(client, printer)
    printer.line("")
    if outcome.complete:
        printer.line(f"Done: every step of the workflow worked. Log in as {outcome.email} / {PASSWORD} to look around.")
    else:
        printer.line("Done, but: " + "; ".join(outcome.problems))
    return outcome


def _account(client: GraphQLClient, printer: Printer, outcome: Outcome) -> None:
    outcome.email = f"demo-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}@example.com"
    printer.title(f"Register a customer (register): Demo Shopper <{outcome.email}>")
    user = client.execute(REGISTER, {"input": {"name": "Demo Shopper", "email": outcome.email, "password": PASSWORD}})[
        "register"
    ]
    outcome.user_id = user["id"]
    printer.answer(f"user #{user['id']} {user['name']} <{user['email']}>, preferences {_on_off(user['preferences'])}")

    printer.title("Log in (login) and send the token from now on")
    login = client.execute(LOGIN, {"input": {"email": outcome.email, "password": PASSWORD}})["login"]
    client.token = login["token"]
    printer.answer(f"token {login['token'][:16]}... for user #{login['userId']}; every request now carries")
    printer.answer("Authorization: Bearer <token>")
    me = client.execute(ME)["me"]
    printer.answer(f"me -> user #{me['id']} {me['name']} <{me['email']}>: the token works")

    printer.title("Change a preference (updatePreferences): no promotions, please")
    prefs = client.execute(UPDATE_PREFERENCES, {"input": {"preferences": {"promotions": False}}})["updatePreferences"]
    printer.answer(f"preferences {_on_off(prefs['preferences'])} (the fields left out kept their value)")


def _on_off(preferences: dict[str, bool]) -> str:
    names = {"orderUpdates": "order updates", "recommendations": "recommendations", "promotions": "promotions"}
    return ", ".join(f"{label} {'on' if preferences[key] else 'off'}" for key, label in names.items())


def _orders(client: GraphQLClient, printer: Printer, outcome: Outcome) -> None:
    products = client.execute(PRODUCTS)["products"]
    basket = pick_products(products)
    printer.title(f"Place 3 orders (placeOrder), from a catalogue of {len(products)} products")
    for quantity, product in enumerate(basket, start=1):
        order = client.execute(PLACE_ORDER, {"input": {"items": [{"productId": product["id"], "quantity": quantity}]}})[
            "placeOrder"
        ]
        outcome.orders.append(order)
        outcome.statuses[order["id"]] = order["status"]
        printer.answer(f"order #{order['id']}: {quantity} x {product['name']} (${product['price']:.2f}) -> {order['status']}")

    printer.title("The order notifications (userNotifications)")
    # The "placed" notification of each order comes first (events leave in order).
    found = show_announced(client, printer, "order_update", len(outcome.orders))
    if not found:
        outcome.problems.append("no order notifications arrived")
        printer.answer(f"none within {EVENT_WAIT_SECONDS:.0f} s: is the notifications service connected to RabbitMQ?")
        return
    outcome.order_notifications = found


def _status_updates(
    client: GraphQLClient, printer: Printer, outcome: Outcome, intervals: Intervals, wait: bool
) -> None:
    printer.title("Automatic status updates: placed -> processing -> shipped -> delivered")
    ids = [order["id"] for order in outcome.orders]
    if not ids:
        return
    # An order moves at the first run of the job once its status is half an interval old:
    # the first step within 1.5 intervals, each later one an interval after. With short
    # intervals the whole lifecycle fits in a short wait; with long ones, the first update
    # is enough to see it work.
    target = "delivered" if lifecycle_seconds(intervals.status, 3) <= QUICK_LIFECYCLE_SECONDS else "processing"
    steps = STAGES.index(target)
    expected = lifecycle_seconds(intervals.status, steps)
    bound = expected + 15
    if not wait:
        printer.answer(f"not waiting (--no-wait): statuses advance every {intervals.status:g} s; query `orders` later")
        return
    printer.answer(
        f"orders advance every {intervals.status:g} s: waiting until they are {target} "
        f"(up to about {expected:.0f} s; giving up after {bound:.0f} s; --no-wait skips this)"
    )

    def statuses() -> dict[int, str]:
        return {o["id"]: o["status"] for o in client.execute(ORDERS)["orders"] if o["id"] in ids}

    def advanced() -> dict[int, str] | None:
        current = statuses()
        outcome.statuses.update(current)
        if any(STAGES.index(current.get(i, "placed")) < steps for i in ids if current.get(i, "placed") in STAGES):
            return None
        # Each change is announced by one notification: wait until they are all in.
        expected = sum(STAGES.index(s) + 1 for s in current.values() if s in STAGES)
        return current if len(order_updates(client)) >= expected else None

    def describe() -> str:
        return ", ".join(f"#{i} {outcome.statuses.get(i, '?')}" for i in ids)

    if wait_for(advanced, bound, printer, describe) is None:
        outcome.problems.append(f"the orders did not advance within {bound:.0f} s")
        printer.answer(f"not every order advanced within {bound:.0f} s ({describe()}): is the orders service running?")
        return
    printer.answer("statuses now: " + describe())
    if target != "delivered":
        printer.answer(f"(shipped and delivered follow, one every {intervals.status:g} s)")
    seen = {n["id"] for n in outcome.order_notifications}
    for notification in order_updates(client):
        if notification["id"] not in seen:
            show_notification(printer, notification)


def _mark_read(client: GraphQLClient, printer: Printer, outcome: Outcome) -> None:
    printer.title("Mark one notification read (markNotificationRead)")
    notifications = order_updates(client)
    if not notifications:
        outcome.problems.append("no notification to mark read")
        printer.answer("there is no notification to mark")
        return
    chosen = notifications[0]
    outcome.marked = client.execute(MARK_READ, {"id": chosen["id"]})["markNotificationRead"]
    outcome.unread_after_mark = client.execute(UNREAD_COUNT)["unreadNotificationCount"]
    printer.answer(f"#{chosen['id']} \"{chosen['content']}\" -> read: {outcome.marked['read']}")
    printer.answer(f"unread notifications now: {outcome.unread_after_mark} (unreadNotificationCount)")


def _recommendations(client: GraphQLClient, printer: Printer, outcome: Outcome, intervals: Intervals) -> None:
    printer.title("Recommendations (recommendations), product names joined in from the orders subgraph")
    found = wait_for(lambda: client.execute(RECOMMENDATIONS)["recommendations"], EVENT_WAIT_SECONDS, printer)
    if not found:
        outcome.problems.append("no recommendations arrived")
        printer.answer(f"none within {EVENT_WAIT_SECONDS:.0f} s: is the recommendations service connected to RabbitMQ?")
        return
    outcome.recommendations = found
    for recommendation in found:
        product = recommendation["product"]
        printer.answer(f"{product['name']} (${product['price']:.2f}, {product['category']}): {recommendation['reason']}")
    printer.answer(f"(each order brings new ones; the scheduled refresh adds more every {intervals.refresh:g} s)")

    printer.title("The recommendation notifications")
    notifications = show_announced(client, printer, "recommendation", len(found))
    if not notifications:
        outcome.problems.append("the recommendations were not announced")
        printer.answer(f"not all within {EVENT_WAIT_SECONDS:.0f} s")
        return
    outcome.recommendation_notifications = notifications


def _everything(client: GraphQLClient, printer: Printer) -> None:
    printer.title("All of it in one request: me { orders unreadNotificationCount recommendations { product } }")
    me = client.execute(EVERYTHING)["me"]
    orders = ", ".join(f"#{o['id']} {o['status']}" for o in me["orders"])
    names = ", ".join(r["product"]["name"] for r in me["recommendations"])
    printer.answer(f"{me['name']}: orders {orders}; {me['unreadNotificationCount']} unread; recommended: {names}")
    printer.answer("(one query, four subgraphs: the router planned the fetches and joined the answers)")


def options_from(argv: list[str] | None, env: dict[str, str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m examples.walkthrough", description=__doc__.split("\n\n")[0])
    parser.add_argument("--router-url", default=env.get("ROUTER_URL") or DEFAULT_ROUTER_URL, help="env ROUTER_URL")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for the automatic status updates")
    args = parser.parse_args(argv)
    return Options(
        router_url=args.router_url,
        orders_url=env.get("ORDER_SERVICE_URL") or DEFAULT_ORDERS_URL,
        recommendations_url=env.get("RECOMMEND_SERVICE_URL") or DEFAULT_RECOMMENDATIONS_URL,
        wait=not args.no_wait,
    )


def main(argv: list[str] | None = None) -> int:
    options = options_from(argv, dict(os.environ))
    try:
        outcome = run(options)
    except Unreachable as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    except GraphQLFailure as exc:
        print(f"\nerror: the router answered with an error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0 if outcome.complete else 1


if __name__ == "__main__":
    sys.exit(main())
