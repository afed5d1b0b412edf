#!/usr/bin/env python
"""Router benchmark: our router against @apollo/gateway, same subgraphs, same run.

Four small subgraphs (accounts, products, reviews, inventory: the classic federation
demo, with entity jumps, ``@requires`` and ``@provides``) run in one Node process on
graphql-js with cached documents, so they are cheap and the router is what is
measured. The supergraph is composed once with @apollo/composition and served by
both routers. A Node load generator (keep-alive HTTP, N concurrent loops) drives
each router in turn, query by query, after a warm-up; answers of both routers are
compared first so we never benchmark a wrong answer.

Machines are shared and noisy, so the figure that matters is the ratio
ours/baseline measured in the same run, not the absolute throughput.

    .venv/bin/python scripts/bench_router.py [--duration 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import math
import os
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
      let bytes = 0;
      res.on("data", (c) => { bytes += c.length; });
      res.on("end", () => resolve({ ok: res.statusCode === 200 && bytes > 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
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


def load(node: str, script: Path, url: str, query: str, concurrency: int, warmup: float, duration: float) -> Figures:
    body = json.dumps({"query": query})
    completed = subprocess.run(
        [node, str(script), url, body, str(concurrency), str(warmup), str(duration)],
        capture_output=True,
        text=True,
        env=node_env(),
        timeout=warmup + duration + 60,
        check=True,
    )
    data = json.loads(completed.stdout)
    return Figures(data["rps"], data["p50"] or 0.0, data["p90"] or 0.0, data["p99"] or 0.0, data["errors"])


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per router and query")
    parser.add_argument("--warmup", type=float, default=1.5, help="warm-up seconds before each measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests in flight")
    parser.add_argument("--queries", nargs="*", choices=sorted(QUERIES), help="subset of queries")
    args = parser.parse_args(argv)

    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "@apollo" / "gateway").is_dir():
        print("bench: needs node and tools/node/node_modules (run `make node`)", file=sys.stderr)
        return 2
    queries = {name: QUERIES[name] for name in (args.queries or QUERIES)}
    processes: list[subprocess.Popen[bytes]] = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-router-"))
    try:
        for name, source in (("subgraphs.cjs", SUBGRAPHS_JS), ("gateway.cjs", GATEWAY_JS), ("loadgen.cjs", LOADGEN_JS)):
            (workdir / name).write_text(source)
        ports = {name: free_port() for name in ("accounts", "products", "reviews", "inventory")}
        supergraph = subprocess.run(
            [node, str(workdir / "subgraphs.cjs"), "compose", json.dumps(ports)],
            capture_output=True, text=True, env=node_env(), check=True, timeout=120,
        ).stdout
        supergraph_path = workdir / "supergraph.graphql"
        supergraph_path.write_text(supergraph)

        def start(args_: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
            process = subprocess.Popen(args_, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            return process

        subgraphs = start([node, str(workdir / "subgraphs.cjs"), "serve", json.dumps(ports)], node_env())
        for port in ports.values():
            wait_for_graphql(f"http://127.0.0.1:{port}/graphql", subgraphs)

        routers: dict[str, str] = {}
        gateway_port = free_port()
        gateway = start([node, str(workdir / "gateway.cjs"), str(supergraph_path), str(gateway_port)], node_env())
        routers["apollo-gateway"] = f"http://127.0.0.1:{gateway_port}/"
        ours_port = free_port()
        ours_env = {**os.environ, "ROUTER_LOG_LEVEL": "error"}
        ours = start(
            [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph_path), "--port", str(ours_port)],
            ours_env,
        )
        routers["ours"] = f"http://127.0.0.1:{ours_port}/graphql"
        wait_for_graphql(routers["apollo-gateway"], gateway)
        wait_for_graphql(routers["ours"], ours)

        print(f"# router benchmark: {len(queries)} queries, concurrency {args.concurrency}, "
              f"{args.duration:g}s measured after {args.warmup:g}s warm-up, {os.cpu_count()} CPUs shared")
        mismatches = 0
        for name, query in queries.items():
            answers = {label: httpx.post(url, json={"query": query}, timeout=10).json() for label, url in routers.items()}
            if canonical(answers["ours"]) != canonical(answers["apollo-gateway"]):
                mismatches += 1
                print(f"! {name}: answers differ\n  ours:     {canonical(answers['ours'])[:400]}\n"
                      f"  baseline: {canonical(answers['apollo-gateway'])[:400]}")

        print(f"\n{'query':<18} {'router':<15} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}")
        ratios: list[float] = []
        for name, query in queries.items():
            figures: dict[str, Figures] = {}
            for label in ("apollo-gateway", "ours"):
                figures[label] = load(node, workdir / "loadgen.cjs", routers[label], query,
                                      args.concurrency, args.warmup, args.duration)
                f = figures[label]
                print(f"{name:<18} {label:<15} {f.rps:>9.0f} {f.p50:>8.2f} {f.p90:>8.2f} {f.p99:>8.2f} {f.errors:>7}")
            ratio = figures["ours"].rps / figures["apollo-gateway"].rps if figures["apollo-gateway"].rps else 0.0
            ratios.append(ratio)
            latency = figures["ours"].p50 / figures["apollo-gateway"].p50 if figures["apollo-gateway"].p50 else 0.0
            print(f"{'':<18} {'ratio ours/base':<15} {ratio:>9.2f}x {latency:>7.2f}x (p50 latency)")
        geomean = math.exp(sum(math.log(r) for r in ratios if r > 0) / max(1, len([r for r in ratios if r > 0])))
        print(f"\nthroughput ratio ours/apollo-gateway (geometric mean): {geomean:.2f}x"
              + (f"   ({mismatches} queries answered differently)" if mismatches else "   (answers identical)"))
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
