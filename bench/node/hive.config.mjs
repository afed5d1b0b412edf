// Dev-only peer configuration for bench/run.py: Hive Gateway (`hive-gateway supergraph FILE -c this`).
// BENCH_HIVE_PLANNER=rust   plans and executes with @graphql-hive/router-runtime (the Rust query
//                           planner), as the public benchmark's hive-gateway-router-runtime entry;
//                           otherwise the JavaScript planner.
// BENCH_HIVE_INBOUND_DEDUP=1 identical in-flight client requests share one execution.
// BENCH_FORWARD_AUTH=1       passes the client's Authorization header to every subgraph.
const config = {
  inboundInflightRequestDeduplication: process.env.BENCH_HIVE_INBOUND_DEDUP === "1",
  logging: "error",
};
if (process.env.BENCH_HIVE_PLANNER === "rust") {
  // A failed import must fail the start: the CLI flag would silently fall back to the JS planner.
  const { unifiedGraphHandler } = await import("@graphql-hive/router-runtime");
  config.unifiedGraphHandler = unifiedGraphHandler;
}
if (process.env.BENCH_FORWARD_AUTH === "1") {
  config.propagateHeaders = {
    fromClientToSubgraphs: ({ request }) => {
      const authorization = request.headers.get("authorization");
      return authorization ? { authorization } : {};
    },
  };
}
export const gatewayConfig = config;
