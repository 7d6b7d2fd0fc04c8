"""The published site: generated from the fixture KB, built with `mkdocs build --strict`, driven in Debian's Chromium.

The site for most tests is built once from the fixture KB (plus one file whose label contains `<script>`), served
over HTTP on a free port of 127.0.0.1, and checked against the CLI's own answers on the same root.
"""

from __future__ import annotations

import html.parser
import json
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

from cloudreg.matrix import MatrixBuilder
from cloudreg.pipeline import Pipeline
from cloudreg.project import HEADLINE_TOPICS, JURISDICTIONS, SNAPSHOT_2018, Project, today
from tests.conftest import FIXTURES, REPO, make_root

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
XSS = "<script>window.crXss=1</script>"
XSS_TTL = f"""@prefix cr: <https://w3id.org/cloudreg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix id: <https://w3id.org/cloudreg/id/> .
id:kr\\/xss-authority a cr:Authority ; cr:jurisdiction id:kr ; rdfs:label "{XSS} authority"@en .
"""


def copy_site(root: Path) -> None:
    """The site sources beside a test root, with the repository's node_modules (installed once if missing)."""
    from cloudreg.site import node_modules

    src = REPO / "site"
    (root / "site").mkdir()
    for name in ("docs", "overrides"):
        shutil.copytree(src / name, root / "site" / name, ignore=shutil.ignore_patterns("reference"))
    for name in ("mkdocs.yml", "package.json", "package-lock.json", ".npmrc"):
        shutil.copyfile(src / name, root / "site" / name)
    (root / "site" / "node_modules").symlink_to(node_modules(src))


@pytest.fixture(scope="module")
def site_root(tmp_path_factory) -> Path:
    root = make_root(tmp_path_factory.mktemp("site-root"), FIXTURES / "kb" / "data")
    (root / "data" / "kr" / "xss-authority.ttl").write_text(XSS_TTL, encoding="utf-8")
    copy_site(root)
    return root


@pytest.fixture(scope="module")
def site_pipe(site_root) -> Pipeline:
    pipe = Pipeline(Project.at(site_root))
    assert pipe.report.conforms, [v.text() for v in pipe.report.violations]
    return pipe


@pytest.fixture(scope="module")
def built(site_pipe, site_root) -> Path:
    from cloudreg.site import build_site

    out = site_root / "build" / "site"
    files = build_site(site_pipe, out)
    assert "index.html" in files and "ko/index.html" in files
    return out


@pytest.fixture(scope="module")
def server(built):
    from cloudreg.site import make_server

    srv = make_server(built, 0)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A browser page that records console errors, page errors and failed or 4xx/5xx requests."""

    def __init__(self, browser):
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.page.close()


@pytest.fixture
def page(browser):
    with Page(browser) as p:
        yield p


def cli_json(run, root: Path, *args: str):
    r = run(*args, "--root", root, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


# ---------------------------------------------------------------------------------------------------------------
# the built files


def test_pages_in_both_languages(built):
    en = sorted(p.relative_to(built).as_posix() for p in built.rglob("index.html") if not
                p.relative_to(built).as_posix().startswith("ko/"))
    ko = sorted(p.relative_to(built / "ko").as_posix() for p in (built / "ko").rglob("index.html"))
    assert en == ko
    for page in ["index.html", "methodology/index.html", "sparql/index.html", "downloads/index.html",
                 "reference/changes/index.html", "reference/disagreements/index.html",
                 "reference/queries/index.html", "reference/ontology/index.html",
                 "reference/ontology/schemes/index.html", "reference/topics/index.html",
                 "reference/instruments/kr/fixture-reg-2016/index.html",
                 "reference/instruments/kr/fixture-reg-2019/index.html",
                 "reference/instruments/eu/fixture-guideline/index.html"]:
        assert page in en, page
    for j in JURISDICTIONS:
        assert f"reference/jurisdictions/{j.lower()}/index.html" in en
    for t in HEADLINE_TOPICS:
        assert f"reference/topics/{t}/index.html" in en
    assert (built / "search" / "search_index.json").is_file()
    for name in ["cloudreg.ttl", "cloudreg-inferred.ttl", "cloudreg.nt", "cloudreg.jsonld", "requirements.csv",
                 f"matrix-{SNAPSHOT_2018.isoformat()}.csv", "iri-map.json"]:
        assert (built / "downloads" / name).stat().st_size > 0, name
    assert (built / "assets" / "javascripts" / "oxigraph" / "web_bg.wasm").stat().st_size > 100_000


def test_every_query_has_a_page_with_downloads(built, site_pipe, run, site_root):
    from cloudreg.queries import catalogue

    for q in catalogue(site_pipe.project, include_checks=False):
        if not q.site:
            continue
        assert (built / "reference" / "queries" / q.name / "index.html").is_file(), q.name
        rows = json.loads((built / "downloads" / "queries" / f"{q.name}.json").read_text(encoding="utf-8"))
        params = [a for n, p in q.params.items() for a in ("-p", f"{n}={p.example or p.default}")]
        assert rows == cli_json(run, site_root, "query", q.name, *params), q.name


def test_korean_labels_from_data(built):
    ko = (built / "ko" / "reference" / "jurisdictions" / "kr" / "index.html").read_text(encoding="utf-8")
    assert "대한민국" in ko and "테스트 규정 2016" in ko
    # no Korean label in the data: the English one, marked as a fallback
    assert 'class="cr-fallback" lang="en"' in ko and "Fixture Regulation, 2019 edition" in ko
    en = (built / "reference" / "jurisdictions" / "kr" / "index.html").read_text(encoding="utf-8")
    assert "대한민국" not in en and "cr-fallback" not in en


def test_iri_map_points_at_existing_anchors(built):
    iri_map = json.loads((built / "downloads" / "iri-map.json").read_text(encoding="utf-8"))
    reqs = [i for i in iri_map if "/requirement/" in i]
    assert len(reqs) == 5
    assert iri_map["https://w3id.org/cloudreg/id/kr/requirement/fixture-location-2019"] == \
        "reference/instruments/kr/fixture-reg-2019/#req-fixture-location-2019"
    for iri, target in iri_map.items():
        path, _, anchor = target.partition("#")
        text = (built / path / "index.html").read_text(encoding="utf-8")
        if anchor:
            assert f'id="{anchor}"' in text, (iri, target)


def test_data_text_is_escaped_in_html(built):
    text = (built / "reference" / "jurisdictions" / "kr" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.crXss=1&lt;/script&gt;" in text
    assert XSS not in text


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key) and not (tag == "link" and a.get("rel") == "canonical"):
                self.links.append(a[key])
        if a.get("data-kb"):
            self.links.append(a["data-kb"])
        if a.get("data-module"):
            self.links.append(a["data-module"])
        if a.get("data-prefixes"):
            self.links.append(a["data-prefixes"])


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_internal_links_resolve(built):
    """Crawl every HTML page: each relative link reaches a file of the site, and its #anchor exists there."""
    built = built.resolve()
    pages = sorted(built.rglob("*.html"))
    parsed = {p: parse(p) for p in pages}
    broken, checked = [], 0
    for page, links in parsed.items():
        for link in links.links:
            u = urllib.parse.urlsplit(link)
            if u.scheme or u.netloc or link.startswith(("mailto:", "data:", "javascript:")):
                continue
            base = built if u.path.startswith("/") else page.parent  # 404.html links from the site root
            target = (base / urllib.parse.unquote(u.path).lstrip("/")).resolve() if u.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or built.resolve() not in target.parents:
                broken.append(f"{page.relative_to(built)} -> {link}")
                continue
            if u.fragment and target.suffix == ".html" and target != page.resolve() or (u.fragment and not u.path):
                ids = parsed[target].ids if target in parsed else parse(target).ids
                if urllib.parse.unquote(u.fragment) not in ids and not u.fragment.startswith("__"):
                    broken.append(f"{page.relative_to(built)} -> {link} (no id)")
            checked += 1
    assert checked > 1000
    assert not broken, broken[:20]


# ---------------------------------------------------------------------------------------------------------------
# in the browser

PAGES = ["", "ko/", "methodology/", "ko/methodology/", "downloads/", "reference/jurisdictions/kr/",
         "ko/reference/jurisdictions/kr/", "reference/topics/data-location/", "reference/instruments/kr/fixture-reg-2019/",
         "reference/changes/", "reference/disagreements/", "reference/queries/", "reference/queries/claims/all/",
         "reference/ontology/", "reference/ontology/schemes/", "ko/reference/changes/", "sparql/", "ko/sparql/"]


@pytest.mark.browser
def test_pages_load_without_console_errors(server, page):
    for path in PAGES:
        page.page.goto(server + path, wait_until="networkidle")
        assert page.page.locator("h1").count() == 1, path
    assert not page.errors, page.errors


@pytest.mark.browser
def test_script_in_data_shows_as_text(server, page):
    page.page.goto(server + "reference/jurisdictions/kr/")
    assert XSS in page.page.locator("article").inner_text()
    assert page.page.evaluate("typeof window.crXss") == "undefined"


@pytest.mark.browser
@pytest.mark.parametrize("day", [SNAPSHOT_2018, today()], ids=["2018", "today"])
def test_heatmap_matches_cli_matrix(server, page, run, site_root, day):
    expected = cli_json(run, site_root, "matrix", "--as-of", day.isoformat())
    page.page.goto(server)
    cells = page.page.locator(f'table.cr-heatmap[data-as-of="{day.isoformat()}"] td.cr-cell')
    assert cells.count() == len(JURISDICTIONS) * len(HEADLINE_TOPICS) == 28
    shown = {(c.get_attribute("data-jurisdiction"), c.get_attribute("data-topic")):
             (c.get_attribute("data-value") or None, c.get_attribute("data-status")) for c in cells.all()}
    assert shown == {(c["jurisdiction"], c["topic"]): (c["value"], c["status"]) for c in expected["cells"]}
    # not researched is visibly different from a researched value, and every cell links to its requirements
    nr = page.page.locator(f'table.cr-heatmap[data-as-of="{day.isoformat()}"] td[data-status="not-researched"]')
    assert nr.count() > 0 and all("not researched" in c.inner_text() for c in nr.all())
    kr = page.page.locator(f'table.cr-heatmap[data-as-of="{day.isoformat()}"] td[data-jurisdiction="KR"]'
                           f'[data-topic="data-location"] a').first
    kr.click()
    page.page.wait_for_url("**/reference/jurisdictions/kr/#topic-data-location")
    assert page.page.locator("#topic-data-location").is_visible()
    assert not page.errors, page.errors


@pytest.mark.browser
def test_language_switch_reaches_korean_page(server, page):
    page.page.goto(server + "reference/jurisdictions/kr/")
    page.page.locator(".md-header__option .md-select").hover()
    page.page.locator('a[hreflang="ko"]').click()
    page.page.wait_for_url("**/ko/reference/jurisdictions/kr/")
    assert page.page.locator("html").get_attribute("lang") == "ko"
    assert "대한민국" in page.page.locator("h1").inner_text()
    page.page.locator(".md-header__option .md-select").hover()
    page.page.locator('a[hreflang="en"]').click()
    page.page.wait_for_url("**/reference/jurisdictions/kr/")
    assert page.page.locator("h1").inner_text().startswith("Korea")
    assert not page.errors, page.errors


@pytest.mark.browser
def test_search_finds_a_page(server, page):
    page.page.goto(server, wait_until="networkidle")
    box = page.page.locator("input.md-search__input")
    box.click()
    # typed key by key: Material reads the query on keyup (fill() sends none, and passed only when it won a race
    # against the focus handler's 1 ms delay, which it lost under load)
    box.press_sequentially("prohibited")
    results = page.page.locator(".md-search-result__item")
    results.first.wait_for(timeout=60000)
    assert results.count() >= 1
    assert not page.errors, page.errors


EDITOR = "#cr-sparql .CodeMirror"


def editor_value(page) -> str:
    """The SPARQL editor's text, through CodeMirror's own API (Yasqe is a CodeMirror 5 editor)."""
    return page.page.evaluate(f"document.querySelector('{EDITOR}').CodeMirror.getValue()")


def set_editor_value(page, text: str) -> None:
    page.page.evaluate(f"t => document.querySelector('{EDITOR}').CodeMirror.setValue(t)", text)


def run_in_editor(page, runs: int) -> None:
    """Ctrl-Enter in the editor; waits for the page's `runs`-th run."""
    page.page.locator(EDITOR).click()
    page.page.keyboard.press("Control+Enter")
    page.page.wait_for_selector(f"#cr-sparql[data-runs='{runs}']", timeout=60000)
    assert page.page.get_attribute("#cr-sparql", "data-rows") != "error", page.page.inner_text("#cr-sparql-status")


def result_table(page) -> tuple[list[str], list[tuple[str, ...]]]:
    cols = [th.inner_text() for th in page.page.locator("#cr-sparql-table thead th").all()]
    rows = [tuple(td.inner_text() for td in tr.locator("td").all())
            for tr in page.page.locator("#cr-sparql-table tbody tr").all()]
    return cols, rows


def browser_rows(page, server: str, name: str, text: str) -> list[tuple[str, ...]]:
    """Open the SPARQL page on catalogue query `name`, check the editor holds `text`, then run `text` from the
    editor (after a first run of another query typed into it, so the rows can only come from the editor)."""
    page.page.goto(f"{server}sparql/?query={name}")
    page.page.wait_for_selector("#cr-sparql[data-ready='true']", timeout=60000)
    assert page.page.get_attribute("#cr-sparql", "data-editor") == "yasqe"
    assert page.page.locator("#cr-sparql-pick").input_value() == name
    assert editor_value(page).strip() == text.strip()
    set_editor_value(page, "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }")
    run_in_editor(page, 1)
    assert result_table(page) == (["n"], [("1",), ("2",), ("3",)])
    set_editor_value(page, text)
    run_in_editor(page, 2)
    return result_table(page)


def as_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@pytest.mark.browser
@pytest.mark.parametrize("name", ["requirements/by-jurisdiction", "claims/all"])
def test_sparql_page_returns_cli_rows(server, page, run, site_root, site_pipe, name):
    from cloudreg.queries import find_query
    from cloudreg.site import browser_query

    q = find_query(site_pipe.project, name)
    params = [a for n, p in q.params.items() for a in ("-p", f"{n}={p.example or p.default}")]
    expected = cli_json(run, site_root, "query", name, *params)
    assert expected, "the fixture query should return rows"
    text = browser_query(q, {n: p.example or p.default for n, p in q.params.items()})
    cols, rows = browser_rows(page, server, name, text)
    assert set(cols) <= set(expected[0])
    want = sorted(tuple(as_text(r[c]) for c in cols) for r in expected)
    assert sorted(rows) == want
    if q.params:
        assert "example" in page.page.inner_text("#cr-sparql-params")
    assert not page.errors, page.errors


@pytest.mark.browser
@pytest.mark.parametrize("path", ["sparql/", "ko/sparql/"])
def test_sparql_editor_highlights_and_runs_offline(server, page, path):
    """The Yasqe editor replaces the text area: CodeMirror with SPARQL tokens highlighted, typing works,
    Ctrl-Enter runs the query on the Oxigraph store; nothing is requested from outside this site."""
    requests: list[str] = []
    page.page.on("request", lambda r: requests.append(r.url))
    page.page.goto(server + path, wait_until="networkidle")
    page.page.wait_for_selector("#cr-sparql[data-ready='true']", timeout=60000)
    assert page.page.get_attribute("#cr-sparql", "data-editor") == "yasqe"
    assert page.page.locator(EDITOR).is_visible()
    assert not page.page.locator("#cr-sparql-text").is_visible()  # the fallback text area is hidden
    assert page.page.locator("#cr-sparql .yasqe_queryButton").count() == 0  # Yasqe's own endpoint button is off
    keywords = [k.inner_text().upper() for k in page.page.locator(f"{EDITOR} .cm-keyword").all()]
    assert "PREFIX" in keywords and "SELECT" in keywords
    assert page.page.locator(f"{EDITOR} .cm-atom").count() > 0  # ?variables
    # type a query (replacing the catalogue one) and run it with Ctrl-Enter; typing cr: adds its PREFIX line, from
    # the site's own prefixes.json (and no class/property lookup goes to a remote service)
    page.page.locator(EDITOR).click()
    page.page.keyboard.press("Control+A")
    page.page.keyboard.type("SELECT ?s WHERE { ?s a cr:Claim ; cr:value <https://w3id.org/cloudreg/id/value/x> }")
    page.page.wait_for_function(f"document.querySelector('{EDITOR}').CodeMirror.getValue().startsWith('PREFIX')")
    assert editor_value(page).splitlines()[0] == "PREFIX cr: <https://w3id.org/cloudreg/ontology#>"
    assert page.page.locator(f"{EDITOR} .cm-keyword", has_text="WHERE").count() == 1
    assert page.page.locator(f"{EDITOR} .cm-variable-3").count() == 2  # the IRIs (PREFIX line and value)
    assert page.page.locator(f"{EDITOR} .cm-string-2", has_text="cr:Claim").count() == 1  # the prefixed name
    page.page.keyboard.press("Control+A")
    page.page.keyboard.type("PREFIX cr: <https://w3id.org/cloudreg/ontology#>\nSELECT ?s WHERE { ?s a cr:Claim }")
    page.page.keyboard.press("Control+Enter")
    page.page.wait_for_selector("#cr-sparql[data-runs='1']", timeout=60000)
    cols, rows = result_table(page)
    assert cols == ["s"] and len(rows) == 2 and all(r[0].startswith("https://w3id.org/cloudreg/id/claim/") for r in rows)
    # a syntax error is reported, not thrown
    set_editor_value(page, "SELECT ?s WHERE {")
    page.page.click("#cr-sparql-run")
    page.page.wait_for_selector("#cr-sparql[data-runs='2']", timeout=60000)
    assert page.page.get_attribute("#cr-sparql", "data-rows") == "error"
    assert page.page.inner_text("#cr-sparql-status").startswith("error")
    origin = urllib.parse.urlsplit(server)
    outside = [u for u in requests if urllib.parse.urlsplit(u)[:2] != origin[:2]]
    assert not outside, outside
    assert not page.errors, page.errors


@pytest.mark.browser
def test_sparql_page_falls_back_to_the_text_area(server, page):
    """Progressive enhancement: when the editor's script cannot load, the plain text area works."""
    page.page.route("**/yasqe.min.js", lambda route: route.abort())
    page.page.goto(server + "sparql/?query=claims/all")
    page.page.wait_for_selector("#cr-sparql[data-ready='true']", timeout=60000)
    assert page.page.get_attribute("#cr-sparql", "data-editor") == "textarea"
    assert page.page.locator(EDITOR).count() == 0
    box = page.page.locator("#cr-sparql-text")
    assert box.is_visible() and "cr:Claim" in box.input_value()
    box.fill("SELECT ?n WHERE { VALUES ?n { 1 2 } }")
    box.press("Control+Enter")
    page.page.wait_for_selector("#cr-sparql[data-runs='1']", timeout=60000)
    assert result_table(page) == (["n"], [("1",), ("2",)])
    # the only errors are the blocked script's (the request, and Chromium's console line about it)
    assert [e for e in page.errors if e.startswith("failed: ")] == [f"failed: {server}assets/javascripts/yasqe/yasqe.min.js"]
    assert [e for e in page.errors if not e.startswith(("failed: ", "console: Failed to load resource"))] == []


# ---------------------------------------------------------------------------------------------------------------
# the real knowledge base (properties only: the data changes while it is researched)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> tuple[Pipeline, Path]:
    from cloudreg.site import build_site

    pipe = Pipeline(Project.at(REPO))
    out = tmp_path_factory.mktemp("real-site") / "site"
    build_site(pipe, out)
    return pipe, out


def test_real_site_smoke(real_site):
    pipe, out = real_site
    en = [p for p in out.rglob("index.html") if not p.relative_to(out).as_posix().startswith("ko/")]
    ko = list((out / "ko").rglob("index.html"))
    assert len(en) == len(ko) > 40
    home = (out / "index.html").read_text(encoding="utf-8")
    builder = MatrixBuilder(pipe.project, pipe.backend)
    for day in (SNAPSHOT_2018, today()):
        m = builder.build(day)
        for c in m["cells"]:
            needle = (f'data-jurisdiction="{c["jurisdiction"]}" data-topic="{c["topic"]}" '
                      f'data-value="{c["value"] or ""}" data-status="{c["status"]}"')
            assert needle in home, (day, c["jurisdiction"], c["topic"])
    iri_map = json.loads((out / "downloads" / "iri-map.json").read_text(encoding="utf-8"))
    for iri, target in iri_map.items():
        path, _, anchor = target.partition("#")
        assert (out / path / "index.html").is_file(), iri


def test_imprecise_start_dates_are_marked_on_the_pages(real_site):
    """A requirement whose start date is only a month, or only known to be in force by then, says so in both languages."""
    pipe, out = real_site
    rows = pipe.closure.query("""
        PREFIX cr: <https://w3id.org/cloudreg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?p WHERE { ?r a cr:Requirement ; cr:appliesIn/skos:notation "JP" ;
                                      cr:startDatePrecision/skos:notation ?p }""")
    expected = {str(r[0]) for r in rows}
    assert expected, "the real KB marks some JP start dates as imprecise (data/jp)"
    pages = {lang: (root / "reference" / "jurisdictions" / "jp" / "index.html").read_text(encoding="utf-8")
             for lang, root in (("en", out), ("ko", out / "ko"))}
    for lang, text in pages.items():
        for precision in expected:
            assert f'data-precision="{precision}"' in text, (lang, precision)
    assert "when it began was not researched" in pages["en"]
    assert "시작일 미조사" in pages["ko"]
