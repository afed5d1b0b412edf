#!/usr/bin/env python
"""Router benchmark: our router against @apollo/gateway, same subgraphs, same run.

Four small subgraphs (accounts, products, reviews, inventory: the classic federation
demo, with entity jumps, ``@requires`` and ``@provides``) run in one Node process on
graphql-js with cached documents, so they are cheap and the router is what is
measured. The supergraph is composed once with @apollo/composition and served by
both routers. A Node load generator (keep-alive HTTP, N concurrent loops) drives
each router in turn, query by query, after a warm-up; answers of both routers are
compared first so we never benchmark a wrong answer.

Two scenarios:

- ``demo``: five small queries (router-only, one subgraph, entity jumps, ``@requires``,
  ``@provides``), 16 concurrent clients.
- ``federation``: the shape of The Guild's graphql-gateways-benchmark (accounts,
  inventory, products, reviews behind one HTTP server, one large nested query with
  fragments, 50 concurrent clients as its constant-VU k6 run). Subgraphs and data are
  written here; they answer a repeated request from memory so the subgraphs stay cheap
  (the benchmark's own subgraphs are Rust) and the routers are what is measured.

Our router runs with ``--workers 1`` and with the default ``auto`` workers (one per
usable CPU); @apollo/gateway is one Node process. Machines are shared and noisy, so the
figure that matters is the ratio ours/baseline measured in the same run, not the
absolute throughput.

    .venv/bin/python scripts/bench_router.py [--scenario all|demo|federation]
        [--workers 1,auto] [--rounds 2] [--duration 4] [--concurrency N] [--compare CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "tools" / "node" / "node_modules"

QUERIES: dict[str, str] = {
    # No subgraph call: the router's own per-request cost (HTTP, parse cache, planning cache).
    "router-only": "{ __typename }",
    "single-subgraph": "{ topProducts(first: 5) { upc name price } }",
    "entity-jumps": "{ topProducts(first: 5) { name reviews { body author { name } } } }",
    "requires": "{ topProducts(first: 5) { name inStock shippingEstimate } }",
    "provides+nested": (
        "query Me { me { name reviews { body author { username } product { name price inStock } } } }"
    ),
}

SUBGRAPHS_JS = r"""
const http = require("http");
const { parse, validate, execute } = require("graphql");
const { buildSubgraphSchema } = require("@apollo/subgraph");

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])\n';
const users = [1, 2, 3, 4].map((i) => ({ id: String(i), name: `User ${i}`, username: `user${i}` }));
const products = Array.from({ length: 10 }, (_, i) => ({ upc: String(i + 1), name: `Product ${i + 1}`, price: 100 * (i + 1), weight: 10 + i }));
const reviews = [];
products.forEach((p, i) => { for (let j = 0; j < 3; j++) reviews.push({ id: `${p.upc}-${j}`, body: `Review ${j} of ${p.name}`, authorId: users[(i + j) % users.length].id, upc: p.upc }); });
const byId = (list, key) => Object.fromEntries(list.map((x) => [x[key], x]));
const usersById = byId(users, "id"), productsByUpc = byId(products, "upc"), reviewsById = byId(reviews, "id");

const SUBGRAPHS = {
  accounts: {
    sdl: LINK + `type Query { me: User users: [User!]! }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable }`,
    resolvers: {
      Query: { me: () => users[0], users: () => users },
      User: { __resolveReference: (ref) => usersById[ref.id] },
    },
  },
  products: {
    sdl: LINK + `type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_, { first }) => products.slice(0, first) },
      Product: { __resolveReference: (ref) => productsByUpc[ref.upc] },
    },
  },
  reviews: {
    sdl: LINK + `type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username") product: Product }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: {
        __resolveReference: (ref) => reviewsById[ref.id],
        author: (r) => ({ id: r.authorId, username: usersById[r.authorId].username }),
        product: (r) => ({ upc: r.upc }),
      },
      User: { reviews: (u) => reviews.filter((r) => r.authorId === u.id) },
      Product: { reviews: (p) => reviews.filter((r) => r.upc === p.upc) },
    },
  },
  inventory: {
    sdl: LINK + `type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external
        inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`,
    resolvers: {
      Product: {
        __resolveReference: (ref) => ({ ...ref, inStock: Number(ref.upc) % 3 !== 0 }),
        shippingEstimate: (p) => (p.price > 500 ? 0 : Math.round(p.weight / 2)),
      },
    },
  },
};

function serve(name, port) {
  const schema = buildSubgraphSchema([{ typeDefs: parse(SUBGRAPHS[name].sdl), resolvers: SUBGRAPHS[name].resolvers }]);
  const documents = new Map();
  http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      let result;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        let document = documents.get(body.query);
        if (document === undefined) {
          document = parse(body.query);
          const errors = validate(schema, document);
          if (errors.length) throw new Error(errors.map((e) => e.message).join("; "));
          documents.set(body.query, document);
        }
        result = await execute({ schema, document, variableValues: body.variables, operationName: body.operationName });
      } catch (error) {
        result = { errors: [{ message: String(error.message || error) }] };
      }
      const payload = JSON.stringify(result);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
  }).listen(port, "127.0.0.1");
}

const [command, portsJson] = process.argv.slice(2);
const ports = JSON.parse(portsJson);
if (command === "serve") {
  for (const [name, port] of Object.entries(ports)) serve(name, port);
} else if (command === "compose") {
  const { composeServices } = require("@apollo/composition");
  const result = composeServices(Object.entries(ports).map(([name, port]) => ({
    name, url: `http://127.0.0.1:${port}/graphql`, typeDefs: parse(SUBGRAPHS[name].sdl),
  })));
  if (result.errors) { console.error(result.errors.map((e) => e.message).join("\n")); process.exit(1); }
  process.stdout.write(result.supergraphSdl);
}
"""

# The gateways-benchmark workload: same schema shape and query shape, our own code and data.
FEDERATION_QUERY = """
fragment U on User { id username name }
fragment R on Review { id body }
fragment P on Product { inStock name price shippingEstimate upc weight }

query Bench {
  users {
    ...U
    reviews {
      ...R
      product { ...P reviews { ...R author { ...U reviews { ...R product { ...P } } } } }
    }
  }
  topProducts {
    ...P
    reviews { ...R author { ...U reviews { ...R product { ...P } } } }
  }
}
"""

FEDERATION_JS = r"""
const http = require("http");
const { parse, validate, execute } = require("graphql");
const { buildSubgraphSchema } = require("@apollo/subgraph");

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])\n';
const WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon".split(" ");
const text = (seed, length) => { let out = ""; for (let i = 0; out.length < length; i++) out += WORDS[(seed * 7 + i * 3) % WORDS.length] + " "; return out.slice(0, length); };
const users = ["Ada Byron", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"]
  .map((name, i) => ({ id: String(i + 1), name, username: name.split(" ")[0].toLowerCase(), birthday: 1000000000 + i }));
const products = [["Desk", 899, 100], ["Sofa", 1299, 1000], ["Cup", 15, 20], ["Stool", 499, 100], ["Radio", 1299, 1000],
  ["Lamp", 6999, 300], ["Oven", 3999, 2000], ["Freezer", 100000, 6000], ["Bench", 9999, 800]]
  .map(([name, price, weight], i) => ({ upc: String(i + 1), name, price, weight }));
const stock = { 1: true, 2: false, 3: false, 4: false, 5: true, 6: true, 7: true, 8: false, 9: true };
const reviewProducts = ["1", "1", "1", "1", "2", "2", "2", "2", "3", "4", "4"];
const reviewLengths = [440, 300, 280, 150, 440, 300, 280, 150, 150, 150, 900];
const reviews = reviewProducts.map((upc, i) => ({ id: String(i + 1), body: text(i, reviewLengths[i]), upc }));
const author = () => ({ id: users[0].id, username: users[0].username });

const SUBGRAPHS = {
  accounts: {
    sdl: LINK + `type Query { me: User user(id: ID!): User users: [User] }
      type User @key(fields: "id") { id: ID! name: String username: String @shareable birthday: Int }`,
    resolvers: {
      Query: { me: () => users[0], user: (_, { id }) => users.find((u) => u.id === id), users: () => users },
      User: { __resolveReference: (ref) => users.find((u) => u.id === ref.id) },
    },
  },
  inventory: {
    sdl: LINK + `type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external
        inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`,
    resolvers: {
      Product: {
        __resolveReference: (ref) => ({ ...ref, inStock: stock[ref.upc] }),
        shippingEstimate: (p) => (p.price == null ? null : p.price > 1000 ? 0 : p.weight == null ? null : Math.floor(p.weight / 2)),
      },
    },
  },
  products: {
    sdl: LINK + `type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_, { first }) => products.slice(0, first) },
      Product: { __resolveReference: (ref) => products.find((p) => p.upc === ref.upc) },
    },
  },
  reviews: {
    sdl: LINK + `type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
      type User @key(fields: "id") { id: ID! username: String @external reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: { __resolveReference: (ref) => reviews.find((r) => r.id === ref.id), author, product: (r) => ({ upc: r.upc }) },
      User: { __resolveReference: (ref) => ({ id: ref.id }), reviews: () => reviews.slice(0, 2) },
      Product: { __resolveReference: (ref) => ({ upc: ref.upc }), reviews: (p) => reviews.filter((r) => r.upc === p.upc) },
    },
  },
};

// One server, one path per subgraph (as in the gateways benchmark). A repeated request body
// is answered from memory: the subgraphs must cost little next to the routers under test.
function serve(port) {
  const handlers = {};
  for (const [name, { sdl, resolvers }] of Object.entries(SUBGRAPHS)) {
    const schema = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers }]);
    const answers = new Map();
    handlers["/" + name] = async (raw) => {
      let payload = answers.get(raw);
      if (payload === undefined) {
        let result;
        try {
          const body = JSON.parse(raw || "{}");
          const document = parse(body.query);
          const errors = validate(schema, document);
          if (errors.length) throw new Error(errors.map((e) => e.message).join("; "));
          result = await execute({ schema, document, variableValues: body.variables, operationName: body.operationName });
        } catch (error) {
          result = { errors: [{ message: String(error.message || error) }] };
        }
        payload = JSON.stringify(result);
        if (answers.size < 10000) answers.set(raw, payload);
      }
      return payload;
    };
  }
  http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const handler = handlers[req.url];
      const payload = handler ? await handler(Buffer.concat(chunks).toString("utf8")) : '{"errors":[{"message":"no such subgraph"}]}';
      res.writeHead(handler ? 200 : 404, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
  }).listen(port, "127.0.0.1");
}

const [command, portArg] = process.argv.slice(2);
const port = Number(portArg);
if (command === "serve") {
  serve(port);
} else if (command === "compose") {
  const { composeServices } = require("@apollo/composition");
  const result = composeServices(Object.entries(SUBGRAPHS).map(([name, { sdl }]) => ({
    name, url: `http://127.0.0.1:${port}/${name}`, typeDefs: parse(sdl),
  })));
  if (result.errors) { console.error(result.errors.map((e) => e.message).join("\n")); process.exit(1); }
  process.stdout.write(result.supergraphSdl);
}
"""

GATEWAY_JS = r"""
const fs = require("fs");
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { ApolloGateway } = require("@apollo/gateway");
const [supergraphPath, port] = process.argv.slice(2);
const gateway = new ApolloGateway({ supergraphSdl: fs.readFileSync(supergraphPath, "utf8"), logger: { debug() {}, info() {}, warn() {}, error: console.error } });
const server = new ApolloServer({ gateway, introspection: false });
startStandaloneServer(server, { listen: { host: "127.0.0.1", port: Number(port) } }).then(({ url }) => console.log(url));
"""

LOADGEN_JS = r"""
const http = require("http");
const [url, body, concurrencyArg, warmupArg, durationArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg), warmupMs = Number(warmupArg) * 1000, durationMs = Number(durationArg) * 1000;
const target = new URL(url);
const payload = Buffer.from(body);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function once() {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": payload.length, accept: "application/json" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => { chunks.push(c); });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");  // as k6's checks: 200 and no GraphQL errors
        resolve({ ok: res.statusCode === 200 && text.length > 0 && !text.includes('"errors"'), ms: Number(process.hrtime.bigint() - start) / 1e6 });
      });
    });
    req.on("error", () => resolve({ ok: false, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    req.end(payload);
  });
}
async function phase(ms, record) {
  const deadline = Date.now() + ms;
  const latencies = []; let errors = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const r = await once();
      if (r.ok) { if (record) latencies.push(r.ms); } else errors++;
    }
  }));
  return { latencies, errors };
}
(async () => {
  await phase(warmupMs, false);
  process.stdout.write("measuring\n");  // the caller starts counting router CPU time here
  const started = process.hrtime.bigint();
  const { latencies, errors } = await phase(durationMs, true);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null;
  process.stdout.write(JSON.stringify({ requests: latencies.length, errors, seconds, rps: latencies.length / seconds,
    p50: pct(0.5), p90: pct(0.9), p99: pct(0.99) }));
  agent.destroy();
})();
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def node_env() -> dict[str, str]:
    return {**os.environ, "NODE_PATH": str(NODE_MODULES), "NODE_ENV": "production"}


def wait_for_graphql(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            response = httpx.post(url, json={"query": "{ __typename }"}, timeout=2.0)
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@dataclass
class Figures:
    rps: float
    p50: float
    p90: float
    p99: float
    errors: int
    cpu_us: float | None = None  # router CPU time (all its processes) per request


def cpu_seconds(pid: int) -> float | None:
    """CPU time of ``pid`` and its live descendants (Linux /proc), or None where unavailable."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    pending = [pid]
    try:
        while pending:
            current = pending.pop()
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending.extend(int(child) for child in children)
    except (OSError, IndexError, ValueError):
        return None
    return total


def load(
    node: str, script: Path, url: str, query: str, concurrency: int, warmup: float, duration: float, pid: int
) -> Figures:
    body = json.dumps({"query": query})
    generator = subprocess.Popen(
        [node, str(script), url, body, str(concurrency), str(warmup), str(duration)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=node_env(),
    )
    assert generator.stdout is not None
    generator.stdout.readline()  # "measuring": the warm-up is over
    cpu_before = cpu_seconds(pid)
    out, err = generator.communicate(timeout=warmup + duration + 60)
    cpu_after = cpu_seconds(pid)
    if generator.returncode != 0:
        raise RuntimeError(f"load generator failed: {err}")
    data = json.loads(out)
    requests = data["requests"] + data["errors"]
    cpu_us = (cpu_after - cpu_before) / requests * 1e6 if cpu_before is not None and cpu_after is not None and requests else None
    return Figures(data["rps"], data["p50"] or 0.0, data["p90"] or 0.0, data["p99"] or 0.0, data["errors"], cpu_us)


def geometric_mean(values: list[float]) -> float:
    positive = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in positive) / len(positive)) if positive else 0.0


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@dataclass
class Scenario:
    name: str
    script: str  # Node source: ``serve``/``compose`` commands
    queries: dict[str, str]
    concurrency: int

    def ports(self) -> Any:
        return {name: free_port() for name in ("accounts", "products", "reviews", "inventory")} if self.name == "demo" else free_port()

    def graphql_urls(self, ports: Any) -> list[str]:
        if isinstance(ports, dict):
            return [f"http://127.0.0.1:{port}/graphql" for port in ports.values()]
        return [f"http://127.0.0.1:{ports}/{name}" for name in ("accounts", "inventory", "products", "reviews")]


SCENARIOS = {
    "demo": Scenario("demo", SUBGRAPHS_JS, QUERIES, 16),
    "federation": Scenario("federation", FEDERATION_JS, {"gateways-benchmark": FEDERATION_QUERY}, 50),
}


def resolve_workers(value: str) -> str:
    return str(_usable_cpus()) if value == "auto" else value


def _usable_cpus() -> int:
    from router.server.workers import usable_cpus

    return usable_cpus()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["all", *SCENARIOS], default="all")
    parser.add_argument("--workers", default="1,auto", help="comma-separated worker settings of our router to measure")
    parser.add_argument("--duration", type=float, default=4.0, help="measured seconds per router, query and round")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds before each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per router and query (median reported)")
    parser.add_argument("--concurrency", type=int, help="concurrent requests in flight (default: per scenario, 16 / 50)")
    parser.add_argument("--compare", metavar="CHECKOUT", type=Path,
                        help="also measure the router of another checkout (e.g. a `git worktree` of an older commit)")
    parser.add_argument("--queries", nargs="*", choices=sorted([*QUERIES, "gateways-benchmark"]), help="subset of queries")
    args = parser.parse_args(argv)

    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "@apollo" / "gateway").is_dir():
        print("bench: needs node and tools/node/node_modules (run `make node`)", file=sys.stderr)
        return 2
    scenarios = list(SCENARIOS.values()) if args.scenario == "all" else [SCENARIOS[args.scenario]]
    workers = [w.strip() for w in args.workers.split(",") if w.strip()]
    print(f"# router benchmark: {args.rounds} rounds of {args.duration:g}s measured after {args.warmup:g}s warm-up per "
          f"router and query (medians), {os.cpu_count()} CPUs shared (subgraphs, routers and load generator on the "
          "same machine)")
    failures = 0
    summary: list[str] = []
    for scenario in scenarios:
        queries = {name: q for name, q in scenario.queries.items() if not args.queries or name in args.queries}
        if queries:
            failures += run_scenario(node, scenario, queries, workers, args, summary)
    print("\n# summary: ours/apollo-gateway throughput (median of the rounds' ratios) and gateway/ours router CPU "
          "time per request, geometric means over each scenario's queries")
    for line in summary:
        print(line)
    return 1 if failures else 0


def run_scenario(
    node: str, scenario: Scenario, queries: dict[str, str], workers: list[str], args: argparse.Namespace,
    summary: list[str],
) -> int:
    concurrency = args.concurrency or scenario.concurrency
    processes: list[subprocess.Popen[bytes]] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-router-"))
    try:
        for name, source in (("subgraphs.cjs", scenario.script), ("gateway.cjs", GATEWAY_JS), ("loadgen.cjs", LOADGEN_JS)):
            (workdir / name).write_text(source)
        ports = scenario.ports()
        supergraph = subprocess.run(
            [node, str(workdir / "subgraphs.cjs"), "compose", json.dumps(ports)],
            capture_output=True, text=True, env=node_env(), check=True, timeout=120,
        ).stdout
        supergraph_path = workdir / "supergraph.graphql"
        supergraph_path.write_text(supergraph)

        def start(args_: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen[bytes]:
            process = subprocess.Popen(args_, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            return process

        subgraphs = start([node, str(workdir / "subgraphs.cjs"), "serve", json.dumps(ports)], node_env())
        for url in scenario.graphql_urls(ports):
            wait_for_graphql(url, subgraphs)

        routers: dict[str, str] = {}
        pids: dict[str, int] = {}
        gateway_port = free_port()
        gateway = start([node, str(workdir / "gateway.cjs"), str(supergraph_path), str(gateway_port)], node_env())
        routers["apollo-gateway"] = f"http://127.0.0.1:{gateway_port}/"
        pids["apollo-gateway"] = gateway.pid
        wait_for_graphql(routers["apollo-gateway"], gateway)
        checkouts = [("ours", None)] + ([(args.compare.name, args.compare)] if args.compare else [])
        for (name, checkout), setting in [(c, w) for c in checkouts for w in workers]:
            port = free_port()
            label = f"{name}-{setting}w" if setting != "auto" else f"{name}-auto({resolve_workers('auto')})"
            process = start(
                [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph_path), "--port", str(port),
                 "--workers", setting],
                {**os.environ, "ROUTER_LOG_LEVEL": "error"},
                cwd=checkout,  # `python -m router` imports the router of the working directory
            )
            routers[label] = f"http://127.0.0.1:{port}/graphql"
            pids[label] = process.pid
            wait_for_graphql(routers[label], process)

        print(f"\n## scenario {scenario.name}: {len(queries)} queries, {concurrency} concurrent clients")
        mismatches = 0
        for name, query in queries.items():
            answers = {label: httpx.post(url, json={"query": query}, timeout=10).json() for label, url in routers.items()}
            baseline = canonical(answers["apollo-gateway"])
            if "errors" in answers["apollo-gateway"]:
                print(f"! {name}: the baseline answers with errors: {baseline[:400]}")
            for label, answer in answers.items():
                if canonical(answer) != baseline:
                    mismatches += 1
                    print(f"! {name}: answers differ\n  {label}: {canonical(answer)[:400]}\n  baseline: {baseline[:400]}")

        width = max(len(label) for label in routers) + 2
        labels = list(routers)
        samples: dict[tuple[str, str], list[Figures]] = {(q, label): [] for q in queries for label in labels}
        for round_ in range(args.rounds):  # rounds alternate the order: drift on a shared box hits all alike
            for name, query in queries.items():
                for label in labels if round_ % 2 == 0 else reversed(labels):
                    samples[(name, label)].append(
                        load(node, workdir / "loadgen.cjs", routers[label], query, concurrency, args.warmup, args.duration,
                             pids[label])
                    )
        print(f"\n{'query':<20} {'router':<{width}} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
              f"{'errors':>7} {'CPU us/req':>11} {'CPU ratio':>9}")
        ratios: dict[str, list[float]] = {label: [] for label in labels if label != "apollo-gateway"}
        cpu_ratios: dict[str, list[float]] = {label: [] for label in labels if label != "apollo-gateway"}
        for name in queries:
            base = samples[(name, "apollo-gateway")]
            for label in labels:
                runs = samples[(name, label)]
                # the ratio of each round (same moment, same machine state), then their median
                ratio = statistics.median(r.rps / b.rps if b.rps else 0.0 for r, b in zip(runs, base))
                if label != "apollo-gateway":
                    ratios[label].append(ratio)
                f = sorted(runs, key=lambda r: r.rps)[len(runs) // 2]
                errors = sum(r.errors for r in runs)
                # router CPU per request: what a router costs, whatever else the machine runs
                cpu = [r.cpu_us for r in runs if r.cpu_us]
                base_cpu = [b.cpu_us for b in base if b.cpu_us]
                cpu_text = f"{statistics.median(cpu):>11.0f}" if cpu else f"{'-':>11}"
                cpu_ratio = f"{statistics.median(base_cpu) / statistics.median(cpu):>8.2f}x" if cpu and base_cpu else f"{'-':>9}"
                if label != "apollo-gateway" and cpu and base_cpu:
                    cpu_ratios[label].append(statistics.median(base_cpu) / statistics.median(cpu))
                print(f"{name:<20} {label:<{width}} {f.rps:>9.0f} {ratio:>6.2f}x {f.p50:>8.2f} {f.p90:>8.2f} "
                      f"{f.p99:>8.2f} {errors:>7} {cpu_text} {cpu_ratio}")
        for label, values in ratios.items():
            cpu_text = f"   CPU per request {geometric_mean(cpu_ratios[label]):.2f}x less" if cpu_ratios[label] else ""
            summary.append(f"{scenario.name:<12} {label:<{width}} throughput {geometric_mean(values):>6.2f}x{cpu_text}"
                           + (f"   ({mismatches} answers differ)" if mismatches else "   (answers identical)"))
        return 1 if mismatches else 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
