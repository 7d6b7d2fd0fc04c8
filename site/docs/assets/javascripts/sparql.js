// cloudreg: SPARQL in the browser. Loads Oxigraph's WebAssembly build and the knowledge base (asserted +
// inferred Turtle) from this site, then runs the query in the editor. No server, no network beyond this site.
const app = document.getElementById("cr-sparql");
const statusEl = document.getElementById("cr-sparql-status");
const text = document.getElementById("cr-sparql-text");
const pick = document.getElementById("cr-sparql-pick");
const runBtn = document.getElementById("cr-sparql-run");
const out = document.getElementById("cr-sparql-results");
const paramsNote = document.getElementById("cr-sparql-params");
const queries = JSON.parse(document.getElementById("cr-sparql-queries").textContent);
const byName = new Map(queries.map((q) => [q.name, q]));

function setStatus(msg) { statusEl.textContent = msg; }

function choose(name) {
  const q = byName.get(name);
  if (!q) return;
  pick.value = name;
  text.value = q.text;
  const ps = Object.entries(q.params);
  paramsNote.textContent = ps.length
    ? "Parameters substituted by their examples (VALUES block): " + ps.map(([k, v]) => `${k} = ${v}`).join(", ")
    : "";
}

function termText(t) {
  if (!t) return "";
  return t.value;
}

function show(result) {
  out.replaceChildren();
  if (typeof result === "boolean") {
    out.textContent = String(result);
    return 0;
  }
  if (!(result instanceof Map) && !Array.isArray(result)) {
    out.textContent = String(result);
    return 0;
  }
  const rows = Array.from(result);
  const vars = [];
  for (const r of rows) for (const k of r.keys()) if (!vars.includes(k)) vars.push(k);
  const table = document.createElement("table");
  table.className = "cr-results";
  table.id = "cr-sparql-table";
  const head = table.createTHead().insertRow();
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  const body = table.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const v of vars) tr.insertCell().textContent = termText(r.get(v));
  }
  out.appendChild(table);
  return rows.length;
}

async function main() {
  const wanted = new URLSearchParams(location.search).get("query");
  if (wanted && byName.has(wanted)) choose(wanted);
  else if (queries.length) choose(queries[0].name);
  pick.addEventListener("change", () => choose(pick.value));
  setStatus("loading Oxigraph…");
  const ox = await import(new URL(app.dataset.module, location.href).href);
  await ox.default();
  const store = new ox.Store();
  setStatus("loading the knowledge base…");
  const resp = await fetch(new URL(app.dataset.kb, location.href));
  if (!resp.ok) throw new Error(`cannot load ${app.dataset.kb}: HTTP ${resp.status}`);
  const ttl = await resp.text();
  store.load(ttl, { format: "text/turtle" });
  setStatus(`ready: ${store.size} triples`);
  app.dataset.ready = "true";
  runBtn.disabled = false;
  runBtn.addEventListener("click", () => {
    const t0 = performance.now();
    try {
      const n = show(store.query(text.value));
      setStatus(`${n} rows in ${Math.round(performance.now() - t0)} ms`);
      app.dataset.rows = String(n);
    } catch (e) {
      out.replaceChildren();
      setStatus("error: " + e);
      app.dataset.rows = "error";
    }
  });
}

main().catch((e) => { setStatus("error: " + e); app.dataset.ready = "error"; });
