// Dev-only: serve a supergraph SDL file through @apollo/gateway (Apollo Server 5).
// usage: node gateway.cjs <supergraph.graphql> <port>; prints "ready <url>" when listening.
const fs = require('fs');
const path = require('path');
const modules = path.resolve(__dirname, '..', '..', 'tools', 'node', 'node_modules');
const { ApolloServer } = require(path.join(modules, '@apollo', 'server'));
const { startStandaloneServer } = require(path.join(modules, '@apollo', 'server', 'dist', 'cjs', 'standalone', 'index.js'));
const { ApolloGateway } = require(path.join(modules, '@apollo', 'gateway'));

async function main() {
  const [supergraphPath, port] = process.argv.slice(2);
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(supergraphPath, 'utf8'),
    logger: { debug() {}, info() {}, warn() {}, error: console.error },
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port) } });
  console.log(`ready ${url}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
