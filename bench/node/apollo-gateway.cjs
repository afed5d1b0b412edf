// Dev-only peer for bench/run.py: @apollo/gateway on @apollo/server's standalone HTTP server,
// one Node process. usage: node apollo-gateway.cjs SUPERGRAPH PORT
// BENCH_FORWARD_AUTH=1 passes the client's Authorization header to every subgraph (our product's
// subgraphs check it themselves; our router forwards it by default).
const fs = require("fs");
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { ApolloGateway, RemoteGraphQLDataSource } = require("@apollo/gateway");

const [supergraphPath, port] = process.argv.slice(2);
const forwardAuth = process.env.BENCH_FORWARD_AUTH === "1";

class ForwardingSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context && context.authorization) request.http.headers.set("authorization", context.authorization);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: fs.readFileSync(supergraphPath, "utf8"),
  buildService: ({ url }) => (forwardAuth ? new ForwardingSource({ url }) : new RemoteGraphQLDataSource({ url })),
  logger: { debug() {}, info() {}, warn() {}, error: console.error },
});
const server = new ApolloServer({ gateway });
startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(port) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
}).then(({ url }) => console.log(`ready ${url}`), (error) => { console.error(error); process.exit(1); });
