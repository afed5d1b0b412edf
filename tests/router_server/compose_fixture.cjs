// Composes subgraph SDLs with @apollo/composition (the reference composer).
// stdin: {"name": {"url": "...", "sdl": "..."}}; stdout: supergraph SDL. Dev-only oracle.
const { parse } = require("graphql");
const { composeServices } = require("@apollo/composition");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const subgraphs = JSON.parse(input);
  const result = composeServices(Object.entries(subgraphs).map(([name, { url, sdl }]) => ({ name, url, typeDefs: parse(sdl) })));
  if (result.errors) {
    process.stderr.write(result.errors.map((e) => e.message).join("\n"));
    process.exit(1);
  }
  process.stdout.write(result.supergraphSdl);
});
