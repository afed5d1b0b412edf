// Dev-only oracle: composes many subgraph sets with @apollo/composition in ONE node
// process (fast). Reads a JSON array of cases (each an array of {name, url, sdl})
// on stdin and writes a JSON array of results: {supergraph, hints} or {errors}.
const path = require('path');
const modules = path.resolve(__dirname, '..', '..', 'tools', 'node', 'node_modules');
const { composeServices } = require(path.join(modules, '@apollo', 'composition'));
const { parse } = require(path.join(modules, 'graphql'));

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  const results = cases.map((subgraphs) => {
    let services;
    try {
      services = subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
    } catch (e) {
      // rover reports unparsable subgraph SDL as INVALID_GRAPHQL
      return { errors: [{ code: 'INVALID_GRAPHQL', message: String(e.message) }] };
    }
    try {
      const result = composeServices(services);
      if (result.errors) {
        return { errors: result.errors.map((e) => ({ code: (e.extensions && e.extensions.code) || 'UNKNOWN', message: e.message })) };
      }
      return { supergraph: result.supergraphSdl, hints: result.hints.map((h) => ({ code: h.definition.code, message: h.message })) };
    } catch (e) {
      return { exception: String((e && e.stack) || e) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
