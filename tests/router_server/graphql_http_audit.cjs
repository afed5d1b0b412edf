// Runs graphql-http's server audit (GraphQL-over-HTTP conformance) against a URL and
// prints one JSON line per audit: {id, name, status, reason}. Dev-only oracle.
const { serverAudits } = require("graphql-http");

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error("usage: node graphql_http_audit.cjs <url>");
  const results = [];
  for (const audit of serverAudits({ url })) {
    const result = await audit.fn();
    results.push({
      id: audit.id,
      name: audit.name,
      status: result.status,
      reason: result.status === "ok" ? null : result.reason,
    });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
