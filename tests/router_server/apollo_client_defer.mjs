// Apollo Client 3 (its HttpLink and the merge its QueryManager applies) reading our @defer answers.
// Usage: node apollo_client_defer.mjs ROUTER_URL QUERIES_JSON
// Prints one JSON array: per query, the chunks the link delivered and the data merged from them.
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";

const require = createRequire(path.resolve(process.cwd(), "tools/node/package.json"));
const { HttpLink, execute, gql } = require("@apollo/client/core");
const { mergeIncrementalData } = require("@apollo/client/utilities");

const [url, queriesJson] = process.argv.slice(2);
const link = new HttpLink({ uri: url, fetch });

function run(query) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    execute(link, { query: gql(query) }).subscribe({
      next: (chunk) => chunks.push(chunk),
      error: (error) => reject(error),
      complete: () => {
        let data = chunks[0]?.data;
        for (const chunk of chunks.slice(1)) data = mergeIncrementalData(data, chunk);
        resolve({ chunks, data });
      },
    });
  });
}

const results = [];
for (const query of JSON.parse(queriesJson)) results.push(await run(query));
process.stdout.write(JSON.stringify(results));
