// Runs operations through @apollo/gateway (the reference implementation) over a
// supergraph whose subgraph URLs point at the Python test subgraphs.
// stdin: {"supergraph": "...", "operations": [{"query": "...", "variables": {...}}]}
// stdout: [{"data": ..., "errors": [...]}, ...]
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../tools/node/package.json"));
const { ApolloGateway } = require("@apollo/gateway");
const { ApolloServer } = require("@apollo/server");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { supergraph, operations } = JSON.parse(input);

const gateway = new ApolloGateway({ supergraphSdl: supergraph, logger: { debug() {}, info() {}, warn() {}, error() {} } });
const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
await server.start();
const results = [];
for (const op of operations) {
  const response = await server.executeOperation({ query: op.query, variables: op.variables || {} });
  const body = response.body.kind === "single" ? response.body.singleResult : { errors: [{ message: "incremental" }] };
  results.push({ data: body.data ?? null, errors: body.errors ?? null });
}
await server.stop();
process.stdout.write(JSON.stringify(results));
