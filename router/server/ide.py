"""A self-contained GraphQL IDE page for browsers on ``GET /graphql``.

No CDN: the page must work on an offline laptop and must not pull third-party
script into a page that can send the user's token. It offers what one needs to
explore a graph: an editor with run on Ctrl/Cmd+Enter, variables and headers, the
response, and a schema explorer built from introspection (when it is enabled).
A strict Content-Security-Policy pins the inline script and style by hash.
"""

from __future__ import annotations

import base64
import hashlib

_STYLE = """
*{box-sizing:border-box}body{margin:0;font:14px system-ui,sans-serif;background:#0f1420;color:#dfe6f0;height:100vh;display:flex;flex-direction:column}
header{display:flex;gap:.6rem;align-items:center;padding:.5rem .8rem;background:#161d2d;border-bottom:1px solid #26304a}
header h1{font-size:15px;margin:0 .8rem 0 0;font-weight:600}button{background:#2f6fed;color:#fff;border:0;border-radius:4px;padding:.35rem .9rem;cursor:pointer;font:inherit}
button.secondary{background:#2a3350}select{background:#0f1420;color:inherit;border:1px solid #26304a;border-radius:4px;padding:.3rem}
main{flex:1;display:grid;grid-template-columns:1fr 1fr auto;min-height:0}section{display:flex;flex-direction:column;min-height:0;border-right:1px solid #26304a}
textarea,pre{margin:0;flex:1;background:#0f1420;color:#dfe6f0;border:0;padding:.7rem;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;resize:none;outline:none;overflow:auto;white-space:pre;tab-size:2}
.tabs{display:flex;border-top:1px solid #26304a;background:#161d2d}.tabs button{background:none;color:#8d9ab5;border-radius:0}.tabs button.on{color:#fff;border-bottom:2px solid #2f6fed}
#extra{flex:0 0 30%;display:flex}#status{color:#8d9ab5;margin-left:auto}#docs{width:0;overflow:auto;transition:width .15s;background:#131a28}#docs.open{width:340px;padding:.6rem .8rem}
#docs a{color:#7fb0ff;cursor:pointer;text-decoration:none}#docs .f{margin:.35rem 0}#docs .d{color:#8d9ab5;font-size:12px}.err{color:#ff8b8b}
"""

_SCRIPT = r"""
const $ = (id) => document.getElementById(id);
const store = window.localStorage;
const params = new URLSearchParams(location.search);
const query = $("query"), vars = $("variables"), hdrs = $("headers"), out = $("response");
query.value = params.get("query") || store.getItem("ide.query") || "query {\n  __typename\n}\n";
vars.value = params.get("variables") || store.getItem("ide.variables") || "{}";
hdrs.value = "{}";  // never persisted: headers usually carry a token
let tab = "variables";
function showTab(name) {
  tab = name; vars.hidden = name !== "variables"; hdrs.hidden = name !== "headers";
  $("tab-variables").className = name === "variables" ? "on" : ""; $("tab-headers").className = name === "headers" ? "on" : "";
}
$("tab-variables").onclick = () => showTab("variables"); $("tab-headers").onclick = () => showTab("headers");
showTab("variables");
function parseJson(text, what) {
  if (!text.trim()) return {};
  try { const v = JSON.parse(text); if (v && typeof v === "object" && !Array.isArray(v)) return v; } catch (e) {}
  throw new Error(what + " must be a JSON object");
}
function operationNames(text) {
  return [...text.matchAll(/\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/g)].map((m) => m[2]);
}
function refreshOperations() {
  const names = operationNames(query.value), select = $("operation"), current = select.value;
  select.innerHTML = ""; select.hidden = names.length < 2;
  for (const n of names) { const o = document.createElement("option"); o.value = o.textContent = n; select.appendChild(o); }
  if (names.includes(current)) select.value = current;
}
async function send(body) {
  const headers = Object.assign({"content-type": "application/json", "accept": "application/graphql-response+json, application/json"}, parseJson(hdrs.value, "Headers"));
  const res = await fetch(location.pathname, {method: "POST", headers, body: JSON.stringify(body)});
  return [res, await res.text()];
}
async function run() {
  store.setItem("ide.query", query.value); store.setItem("ide.variables", vars.value);
  out.className = ""; $("status").textContent = "running\u2026";
  const started = performance.now();
  try {
    const body = {query: query.value, variables: parseJson(vars.value, "Variables")};
    const op = $("operation"); if (!op.hidden && op.value) body.operationName = op.value;
    const [res, text] = await send(body);
    let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
    out.textContent = shown;
    $("status").textContent = res.status + " \u00b7 " + Math.round(performance.now() - started) + " ms";
  } catch (e) { out.className = "err"; out.textContent = String(e.message || e); $("status").textContent = ""; }
}
$("run").onclick = run;
document.addEventListener("keydown", (e) => { if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); run(); } });
for (const area of [query, vars, hdrs]) area.addEventListener("keydown", (e) => {
  if (e.key === "Tab") { e.preventDefault(); const s = area.selectionStart; area.setRangeText("  ", s, area.selectionEnd, "end"); }
});
query.addEventListener("input", refreshOperations); refreshOperations();
const INTROSPECTION = `query IdeSchema { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { kind name description fields(includeDeprecated: true) { name description isDeprecated args { name type { ...T } }
  type { ...T } } inputFields { name type { ...T } } enumValues(includeDeprecated: true) { name } possibleTypes { name } } } }
  fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;
let schema = null;
function typeRef(t) {
  if (t.kind === "NON_NULL") return [...typeRef(t.ofType), "!"];
  if (t.kind === "LIST") return ["[", ...typeRef(t.ofType), "]"];
  return [{name: t.name}];
}
function el(tag, text, cls) { const e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
function renderRef(parent, t) {
  for (const part of typeRef(t)) {
    if (typeof part === "string") parent.appendChild(document.createTextNode(part));
    else { const a = el("a", part.name); a.onclick = () => showType(part.name); parent.appendChild(a); }
  }
}
function showType(name) {
  const docs = $("docs"); docs.innerHTML = "";
  const back = el("a", "\u2190 schema"); back.onclick = showRoot; docs.appendChild(back);
  const t = schema.types.find((x) => x.name === name); if (!t) return;
  docs.appendChild(el("h3", t.name)); if (t.description) docs.appendChild(el("div", t.description, "d"));
  for (const f of t.fields || t.inputFields || []) {
    const row = el("div", null, "f"); row.appendChild(el("b", f.name));
    if (f.args && f.args.length) { row.appendChild(document.createTextNode("(")); f.args.forEach((a, i) => {
      if (i) row.appendChild(document.createTextNode(", ")); row.appendChild(document.createTextNode(a.name + ": ")); renderRef(row, a.type); });
      row.appendChild(document.createTextNode(")")); }
    row.appendChild(document.createTextNode(": ")); renderRef(row, f.type);
    if (f.description) row.appendChild(el("div", f.description, "d")); docs.appendChild(row);
  }
  for (const v of t.enumValues || []) docs.appendChild(el("div", v.name, "f"));
  for (const p of t.possibleTypes || []) { const row = el("div", null, "f"); renderRef(row, {kind: "OBJECT", name: p.name}); docs.appendChild(row); }
}
function showRoot() {
  const docs = $("docs"); docs.innerHTML = "";
  for (const key of ["queryType", "mutationType", "subscriptionType"]) {
    const root = schema[key]; if (!root) continue;
    const row = el("div", key.replace("Type", "") + ": ", "f"); renderRef(row, {kind: "OBJECT", name: root.name}); docs.appendChild(row);
  }
  docs.appendChild(el("h4", "All types"));
  for (const t of schema.types.filter((x) => !x.name.startsWith("__")).sort((a, b) => a.name.localeCompare(b.name))) {
    const row = el("div", null, "f"); renderRef(row, {kind: t.kind, name: t.name}); docs.appendChild(row);
  }
}
$("docs-toggle").onclick = async () => {
  const docs = $("docs"); docs.classList.toggle("open"); if (!docs.classList.contains("open") || schema) return;
  docs.textContent = "loading schema\u2026";
  try {
    const [, text] = await send({query: INTROSPECTION}); const result = JSON.parse(text);
    if (!result.data) throw new Error((result.errors || [{message: "introspection failed"}])[0].message);
    schema = result.data.__schema; showRoot();
  } catch (e) { docs.innerHTML = ""; docs.appendChild(el("div", "Schema unavailable: " + (e.message || e), "err")); }
};
"""

_BODY = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>GraphQL router</title><style>{style}</style></head>
<body><header><h1>GraphQL router</h1><button id="run" title="Ctrl/Cmd+Enter">&#9654; Run</button>
<select id="operation" hidden aria-label="operation"></select><button id="docs-toggle" class="secondary">Docs</button>
<span id="status"></span></header>
<main><section><textarea id="query" spellcheck="false" aria-label="query"></textarea>
<div class="tabs"><button id="tab-variables">Variables</button><button id="tab-headers">Headers</button></div>
<div id="extra"><textarea id="variables" spellcheck="false" aria-label="variables"></textarea>
<textarea id="headers" spellcheck="false" aria-label="headers"></textarea></div></section>
<section><pre id="response" aria-live="polite"></pre></section><aside id="docs"></aside></main>
<script>{script}</script></body></html>
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


IDE_HTML = _BODY.format(style=_STYLE, script=_SCRIPT).encode()

IDE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src {_csp_hash(_SCRIPT)}; style-src {_csp_hash(_STYLE)}; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
