// The reference clients of both protocols (graphql-ws, graphql-sse) against our router.
// Usage: node --experimental-websocket reference_clients.mjs ROUTER_URL TOKEN
// Prints one JSON object with what each client received.
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";

const require = createRequire(path.resolve(process.cwd(), "tools/node/package.json"));
const { createClient: createWsClient } = require("graphql-ws");
const { createClient: createSseClient } = require("graphql-sse");

const [url, token] = process.argv.slice(2);
const REVIEWS = 'subscription { reviewAdded(productId: "1") { body product { name priceBand } } }';

async function collect(iterator, count) {
  const items = [];
  for await (const item of iterator) {
    items.push(item);
    if (count && items.length >= count) break;
  }
  return items;
}

async function addReviewSoon(body) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `mutation { addReview(productId: "1", body: "${body}") { id } }` }),
  });
  await response.json();
}

async function withClient(client) {
  const countdown = await collect(client.iterate({ query: "subscription { countdown(start: 2) }" }));
  const query = await collect(client.iterate({ query: '{ product(id: "2") { name } }' }));
  const live = client.iterate({ query: REVIEWS });
  const first = live.next();
  const [event] = await Promise.all([first, addReviewSoon("from node")]);
  await live.return();
  const denied = await collect(client.iterate({ query: "subscription { auditLog }" })).catch((error) => ({ error: Array.isArray(error) ? error : String(error?.message ?? error) }));
  return { countdown, query, event: event.value, denied };
}

const ws = createWsClient({
  url: url.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
const sse = createSseClient({ url, headers: { Authorization: `Bearer ${token}` }, retryAttempts: 0 });
const result = { ws: await withClient(ws), sse: await withClient(sse) };
await ws.dispose();
sse.dispose();
process.stdout.write(JSON.stringify(result));
process.exit(0);
