// @apollo/gateway as a long-lived oracle for the differential tests.
// stdin: one JSON object per line, {"supergraph": "...", "operations": [{"query", "variables", "operationName"}]}
// stdout: one JSON line per input line, [{"data": ..., "errors": [...]}, ...] in order;
// a gateway that cannot start answers {"error": "..."} instead.
import { createRequire } from "node:module";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../tools/node/package.json"));
const { ApolloGateway } = require("@apollo/gateway");
const { ApolloServer } = require("@apollo/server");

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function run({ supergraph, operations }) {
  const gateway = new ApolloGateway({ supergraphSdl: supergraph, logger: quiet });
  const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false, logger: quiet });
  try {
    await server.start();
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
  try {
    return await Promise.all(
      operations.map(async (op) => {
        const response = await server.executeOperation({
          query: op.query,
          variables: op.variables || {},
          operationName: op.operationName || undefined,
        });
        const body = response.body.kind === "single" ? response.body.singleResult : { errors: [{ message: "incremental" }] };
        const out = { errors: body.errors ?? null };
        if ("data" in body) out.data = body.data;
        return out;
      }),
    );
  } finally {
    await server.stop();
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = await run(JSON.parse(line));
  } catch (error) {
    answer = { error: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
