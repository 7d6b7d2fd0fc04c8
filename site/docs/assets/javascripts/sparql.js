// cloudreg: SPARQL in the browser. Loads Oxigraph's WebAssembly build and the knowledge base (asserted +
// inferred Turtle) from this site, then runs the query in the editor. No server, no network beyond this site.
//
// The editor is Yasqe (bundled with CodeMirror 5, loaded by a classic <script defer> before this module). Yasqe
// would send queries to a SPARQL endpoint itself: its query button, share links, URL parsing, local storage and
// its Ctrl-Enter handler are turned off or replaced here, and the text goes to the Oxigraph store instead.
// Progressive enhancement: if Yasqe did not load (or fails to start), the plain <textarea> stays and works.
const app = document.getElementById("cr-sparql");
const statusEl = document.getElementById("cr-sparql-status");
const text = document.getElementById("cr-sparql-text");
const editorHost = document.getElementById("cr-sparql-editor");
const pick = document.getElementById("cr-sparql-pick");
const runBtn = document.getElementById("cr-sparql-run");
const out = document.getElementById("cr-sparql-results");
const paramsNote = document.getElementById("cr-sparql-params");
const queries = JSON.parse(document.getElementById("cr-sparql-queries").textContent);
const byName = new Map(queries.map((q) => [q.name, q]));
let store = null;
let editor = null;
let runs = 0;

function setStatus(msg) { statusEl.textContent = msg; }

function queryText() { return editor ? editor.getValue() : text.value; }

function setQueryText(value) {
  text.value = value;
  if (editor) editor.setValue(value);
}

function makeEditor() {
  const Yasqe = window.Yasqe;
  if (typeof Yasqe !== "function") return null; // the editor's script did not load: keep the textarea
  try {
    if (Yasqe.Autocompleters && Yasqe.Autocompleters.prefixes) Yasqe.Autocompleters.prefixes.persistenceId = null;
    // not "class"/"property": they ask a remote service (lov.linkeddata.es). Set on the defaults too: Yasqe
    // merges the config into them with lodash's merge, which merges arrays index by index.
    const completers = ["prefixes", "variables"];
    Yasqe.defaults.autocompleters = completers.slice();
    const y = new Yasqe(editorHost, {
      value: text.value,
      persistenceId: null, // no query kept in localStorage: the page always opens with the catalogue query
      consumeShareLink: null, // ?query=<name> picks a catalogue query; Yasqe must not read it as query text
      createShareableLink: null,
      showQueryButton: false,
      autocompleters: completers.slice(),
      prefixCcApi: new URL(app.dataset.prefixes, location.href).href, // this site's prefixes, not prefix.cc
      editorHeight: "22rem",
      resizeable: true,
      extraKeys: {
        "Ctrl-Enter": () => run(),
        "Cmd-Enter": () => run(),
      },
    });
    y.query = () => { run(); return Promise.resolve(); }; // never send the query to an endpoint
    y.on("change", () => { text.value = y.getValue(); });
    text.hidden = true;
    app.dataset.editor = "yasqe";
    return y;
  } catch (e) {
    console.warn("SPARQL editor unavailable, using the plain text area:", e);
    editorHost.replaceChildren();
    text.hidden = false;
    return null;
  }
}

function choose(name) {
  const q = byName.get(name);
  if (!q) return;
  pick.value = name;
  setQueryText(q.text);
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

function run() {
  if (!store) return; // still loading: the Run button is disabled too
  const t0 = performance.now();
  try {
    const n = show(store.query(queryText()));
    setStatus(`${n} rows in ${Math.round(performance.now() - t0)} ms`);
    app.dataset.rows = String(n);
  } catch (e) {
    out.replaceChildren();
    setStatus("error: " + e);
    app.dataset.rows = "error";
  }
  app.dataset.runs = String(++runs);
}

async function main() {
  editor = makeEditor();
  if (!editor) app.dataset.editor = "textarea";
  const wanted = new URLSearchParams(location.search).get("query");
  if (wanted && byName.has(wanted)) choose(wanted);
  else if (queries.length) choose(queries[0].name);
  pick.addEventListener("change", () => choose(pick.value));
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  });
  runBtn.addEventListener("click", run);
  setStatus("loading Oxigraph…");
  const ox = await import(new URL(app.dataset.module, location.href).href);
  await ox.default();
  const st = new ox.Store();
  setStatus("loading the knowledge base…");
  const resp = await fetch(new URL(app.dataset.kb, location.href));
  if (!resp.ok) throw new Error(`cannot load ${app.dataset.kb}: HTTP ${resp.status}`);
  const ttl = await resp.text();
  st.load(ttl, { format: "text/turtle" });
  store = st;
  setStatus(`ready: ${store.size} triples`);
  app.dataset.ready = "true";
  runBtn.disabled = false;
}

main().catch((e) => { setStatus("error: " + e); app.dataset.ready = "error"; });
