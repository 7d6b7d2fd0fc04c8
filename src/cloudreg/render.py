"""Render the reference pages of the site from the knowledge base: Markdown + HTML from Jinja2 templates.

One template per entity type (templates/*.md.j2); every page is written twice, `<page>.md` (English) and
`<page>.ko.md` (Korean, for mkdocs-static-i18n's suffix layout). Text from the data is HTML-escaped by Jinja's
autoescape, so a label containing `<script>` shows as text. Data comes from the pipeline's backend, the matrix
builder, the diff and the query catalogue; order is deterministic (codes and IRIs sorted).

Permanent anchors: a knowledge-base IRI `https://w3id.org/cloudreg/id/<path>` maps to a page as follows
(also written to `downloads/iri-map.json`):

    id/<jur>                         -> reference/jurisdictions/<jur>/
    id/topic/<topic>                 -> reference/topics/<topic>/
    id/<jur>/<instrument>            -> reference/instruments/<jur>/<instrument>/
    id/<jur>/<instrument>/<prov>     -> reference/instruments/<jur>/<instrument>/#prov-<prov>
    id/<jur>/requirement/<name>      -> reference/instruments/<jur>/<instrument>/#req-<name>  (the instrument of
                                        the first provision it rests on; anchors also on the other instruments)
    id/claim/<...>/<name>            -> reference/disagreements/#claim-<name>
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from cloudreg.diff import diff
from cloudreg.errors import CloudregError
from cloudreg.formats import plain, render
from cloudreg.matrix import MatrixBuilder
from cloudreg.pipeline import Pipeline
from cloudreg.project import FURTHER_TOPICS, HEADLINE_TOPICS, ID, JURISDICTIONS, ONTOLOGY, SNAPSHOT_2018, today
from cloudreg.queries import QueryFile, catalogue, to_term

LANGS = ["en", "ko"]
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUSES = ["verified-primary", "secondary", "seed-only", "unverified", "not-researched"]

# Interface strings (not data): English and Korean.
UI: dict[str, dict[str, str]] = {
    "en": {
        "home": "cloudreg", "heatmap": "Jurisdiction × topic matrix", "as_of": "as of",
        "jurisdiction": "Jurisdiction", "jurisdictions": "Jurisdictions", "topic": "Topic", "topics": "Topics",
        "instrument": "Instrument", "instruments": "Instruments", "requirements": "Requirements",
        "requirement": "Requirement", "value": "Value", "modality": "Modality", "status": "Status",
        "sources": "Sources", "provision": "Provision", "data_classes": "Data classes", "scope": "Scope",
        "valid": "Valid", "from": "from", "until": "until", "issued": "Issued", "in_force": "In force",
        "replaced_by": "Replaced by", "replaces": "Replaces", "kind": "Kind", "link": "Link",
        "not_researched": "not researched", "none_found": "No requirement recorded.",
        "prec_month": "month only; day not known", "prec_year": "year only",
        "prec_in-force-by": "in force by this date; when it began was not researched",
        "claims": "What the 2018 FSC paper says", "claim": "Claim", "agrees": "agrees", "disagrees": "disagrees",
        "unknown": "no primary value to compare", "changes": "What changed since 2018",
        "no_changes": "No headline value changed.", "disagreements": "FSC paper vs primary texts",
        "no_disagreements": "No claim of the 2018 FSC paper disagrees with the primary texts recorded here.",
        "primary_value": "Primary-text value", "claimed_value": "Claimed value", "claim_date": "About the date",
        "locator": "Place in the paper", "queries": "Query catalogue", "query": "Query",
        "parameters": "Parameters", "example": "example", "results": "Results on the knowledge base",
        "results_with": "with the example parameters", "download": "Download", "rows": "rows",
        "no_rows": "No rows.", "text": "SPARQL text", "reasoning": "Needs the reasoner's inferences",
        "ontology": "Ontology reference", "classes": "Classes", "properties": "Properties",
        "schemes": "Value schemes", "definition": "Definition", "domain": "Domain", "range": "Range",
        "subclass_of": "Subclass of", "rank": "Strictness rank", "code": "Code",
        "downloads": "Downloads", "file": "File", "format": "Format", "size": "Size",
        "sparql": "SPARQL in the browser", "run": "Run", "coverage": "Coverage",
        "today": "today", "timeline": "Instruments over time", "authority": "Issued by",
        "fallback": "English (no Korean text in the data)", "no_instruments": "No instrument recorded yet.",
        "open_cell": "requirements", "legend": "Legend", "stricter": "stricter", "laxer": "less strict",
        "headline_topics": "Headline topics", "further_topics": "Further topics", "anchor_map": "IRI to page map",
        "claims_by_fsc": "FSC paper claims", "plan": "plan", "no_claims": "No claim.",
    },
    "ko": {
        "home": "cloudreg", "heatmap": "관할권 × 주제 비교표", "as_of": "기준일",
        "jurisdiction": "관할권", "jurisdictions": "관할권", "topic": "주제", "topics": "주제",
        "instrument": "규범", "instruments": "규범", "requirements": "요건", "requirement": "요건",
        "value": "값", "modality": "규범성", "status": "검증 상태", "sources": "근거", "provision": "조항",
        "data_classes": "정보 유형", "scope": "적용 범위", "valid": "유효 기간", "from": "부터", "until": "까지",
        "issued": "발행일", "in_force": "시행", "replaced_by": "대체 규범", "replaces": "이전 규범",
        "kind": "종류", "link": "링크", "not_researched": "미조사", "none_found": "기록된 요건이 없습니다.",
        "prec_month": "월까지만 확인(일자 미상)", "prec_year": "연도까지만 확인",
        "prec_in-force-by": "이 날짜에 시행 중(시작일 미조사)",
        "claims": "2018년 금융위원회 자료의 서술", "claim": "서술", "agrees": "일치", "disagrees": "불일치",
        "unknown": "비교할 1차 자료 값 없음", "changes": "2018년 이후 변경 사항",
        "no_changes": "핵심 값의 변경이 없습니다.", "disagreements": "금융위원회 자료와 1차 자료의 차이",
        "no_disagreements": "여기에 기록된 1차 자료와 어긋나는 2018년 금융위원회 자료의 서술이 없습니다.",
        "primary_value": "1차 자료 값", "claimed_value": "서술된 값", "claim_date": "대상 일자",
        "locator": "자료 내 위치", "queries": "쿼리 목록", "query": "쿼리", "parameters": "매개변수",
        "example": "예시", "results": "지식베이스 실행 결과", "results_with": "예시 매개변수 사용",
        "download": "다운로드", "rows": "행", "no_rows": "결과 없음.", "text": "SPARQL 본문",
        "reasoning": "추론 결과 필요", "ontology": "온톨로지 참조", "classes": "클래스", "properties": "속성",
        "schemes": "값 체계", "definition": "정의", "domain": "정의역", "range": "치역",
        "subclass_of": "상위 클래스", "rank": "엄격도 순위", "code": "코드",
        "downloads": "다운로드", "file": "파일", "format": "형식", "size": "크기",
        "sparql": "브라우저에서 SPARQL 실행", "run": "실행", "coverage": "조사 범위",
        "today": "오늘", "timeline": "규범 연혁", "authority": "발행기관",
        "fallback": "영어 (데이터에 한국어 없음)", "no_instruments": "아직 기록된 규범이 없습니다.",
        "open_cell": "요건 보기", "legend": "범례", "stricter": "엄격", "laxer": "완화",
        "headline_topics": "핵심 주제", "further_topics": "기타 주제", "anchor_map": "IRI와 페이지 대응표",
        "claims_by_fsc": "금융위원회 자료 서술", "plan": "계획", "no_claims": "서술 없음.",
    },
}

_Q = """PREFIX cr: <https://w3id.org/cloudreg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

SITE_QUERIES = {
    "labels": _Q + """SELECT ?s ?p ?l WHERE {
  VALUES ?p { rdfs:label skos:prefLabel dct:title }
  ?s ?p ?l . FILTER (isIRI(?s) && isLiteral(?l)) }""",
    "definitions": _Q + """SELECT ?s ?d WHERE {
  { ?s skos:definition ?d } UNION { ?s rdfs:comment ?d } FILTER (isIRI(?s) && LANGMATCHES(LANG(?d), "en")) }""",
    "instruments": _Q + """SELECT ?instrument ?jurisdiction ?kind ?identifier ?issued ?in_force_from ?in_force_until
       ?url ?issuer ?replaced_by WHERE {
  ?instrument a cr:Instrument ; cr:jurisdiction/skos:notation ?jurisdiction .
  OPTIONAL { ?instrument a ?kind . ?kind rdfs:subClassOf cr:Instrument FILTER (?kind != cr:Instrument) }
  OPTIONAL { ?instrument dct:identifier ?identifier }
  OPTIONAL { ?instrument dct:issued ?issued }
  OPTIONAL { ?instrument cr:inForceFrom ?in_force_from }
  OPTIONAL { ?instrument cr:inForceUntil ?in_force_until }
  OPTIONAL { ?instrument cr:url ?url }
  OPTIONAL { ?instrument cr:issuedBy ?issuer }
  OPTIONAL { ?instrument cr:replacedBy ?replaced_by }
} ORDER BY ?jurisdiction ?in_force_from ?instrument""",
    "requirements": _Q + """SELECT ?requirement ?jurisdiction ?topic ?value ?modality ?status ?valid_from ?valid_until
       ?scope ?note ?materiality ?precision WHERE {
  ?requirement a cr:Requirement ; cr:appliesIn/skos:notation ?jurisdiction ; cr:topic/skos:notation ?topic ;
      cr:value/skos:notation ?value ; cr:modality/skos:notation ?modality ;
      cr:verificationStatus/skos:notation ?status ; cr:validFrom ?valid_from .
  OPTIONAL { ?requirement cr:validUntil ?valid_until }
  OPTIONAL { ?requirement cr:scope ?scope FILTER (LANGMATCHES(LANG(?scope), "en") || LANG(?scope) = "") }
  OPTIONAL { ?requirement cr:verificationNote ?note }
  OPTIONAL { ?requirement cr:materiality/skos:notation ?materiality }
  OPTIONAL { ?requirement cr:startDatePrecision/skos:notation ?precision }
} ORDER BY ?jurisdiction ?topic ?valid_from ?requirement""",
    "provisions": _Q + """SELECT ?requirement ?provision ?instrument ?locator ?url WHERE {
  ?requirement a cr:Requirement ; cr:restsOn ?provision . ?provision cr:ofInstrument ?instrument .
  OPTIONAL { ?provision cr:locator ?locator } OPTIONAL { ?provision cr:url ?url }
} ORDER BY ?requirement ?instrument ?locator""",
    "values": _Q + """SELECT ?topic ?value ?rank ?iri WHERE {
  ?t skos:notation ?topic ; cr:valueScheme ?scheme . ?iri skos:inScheme ?scheme ; skos:notation ?value .
  OPTIONAL { ?iri cr:strictnessRank ?rank } } ORDER BY ?topic DESC(?rank) ?value""",
    "claims": _Q + """SELECT ?claim ?by ?jurisdiction ?topic ?value ?locator ?claim_as_of ?is_plan ?status WHERE {
  ?claim a cr:Claim ; cr:claimedBy/skos:notation ?by ; cr:aboutJurisdiction/skos:notation ?jurisdiction ;
      cr:topic/skos:notation ?topic ; cr:value/skos:notation ?value ; cr:claimAsOf ?claim_as_of ;
      cr:verificationStatus/skos:notation ?status .
  OPTIONAL { ?claim cr:locator ?locator } OPTIONAL { ?claim cr:isPlan ?is_plan }
} ORDER BY ?jurisdiction ?topic ?claim""",
    "authorities": _Q + """SELECT ?authority ?jurisdiction WHERE {
  ?authority a cr:Authority ; cr:jurisdiction/skos:notation ?jurisdiction } ORDER BY ?jurisdiction ?authority""",
}


def _qf(name: str) -> QueryFile:
    return QueryFile(name=f"site/{name}", path=Path(f"<site:{name}>"), summary=name, text=SITE_QUERIES[name])


def _rows(pipe: Pipeline, name: str) -> list[dict]:
    return [{k: plain(v) for k, v in r.items()} for r in pipe.backend.select(_qf(name), {}).dicts()]


def id_path(iri: str) -> str:
    return iri[len(ID):] if iri.startswith(ID) else re.sub(r"[^A-Za-z0-9/_-]+", "-", iri)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "x"


def page_url(page: str) -> str:
    """The directory URL of a docs page (use_directory_urls): a/b.md -> a/b/, a/index.md -> a/."""
    page = page.removesuffix(".md")
    if page == "index":
        return ""
    if page.endswith("/index"):
        return page[: -len("index")]
    return page + "/"


def rel_url(from_page: str, to: str, lang: str = "en") -> str:
    """Relative href from one docs page to another page (docs path, optional #anchor) or to a file.

    Pages of a language other than the default live under /<lang>/ with the same layout, so links between
    pages are the same in every language; files (downloads, assets) exist once, at the site root.
    """
    target, _, anchor = to.partition("#")
    src = page_url(from_page)
    dest = page_url(target) if target.endswith(".md") else target
    if target.endswith(".md"):
        rel = posixpath.relpath(dest or ".", src or ".")
        rel = "./" if rel == "." else rel + "/"
    else:
        here = src if lang == LANGS[0] else f"{lang}/{src}"
        rel = posixpath.relpath(dest, here or ".")
    return rel + (f"#{anchor}" if anchor else "")


@dataclass
class Labels:
    by_iri: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, iri: str, lang: str) -> tuple[str, bool]:
        """The label in `lang` (English fallback): (text, is_fallback)."""
        d = self.by_iri.get(iri, {})
        if lang in d:
            return d[lang], False
        for k in ("en", ""):
            if k in d:
                return d[k], lang != "en"
        return id_path(iri), lang != "en"


@dataclass
class SiteData:
    pipe: Pipeline
    labels: Labels
    definitions: dict[str, str]
    matrices: dict[str, dict]
    instruments: dict[str, dict]
    requirements: dict[str, dict]
    values: dict[str, list[dict]]
    claims: list[dict]
    authorities: dict[str, list[str]]
    queries: list[QueryFile]
    diff: dict
    dates: list[dt.date]

    def req_page(self, req: str) -> str:
        insts = self.requirements[req]["instruments"]
        return f"reference/instruments/{id_path(insts[0])}.md" if insts else \
            f"reference/jurisdictions/{self.requirements[req]['jurisdiction'].lower()}.md"


def collect(pipe: Pipeline, dates: list[dt.date] | None = None) -> SiteData:
    dates = dates or [SNAPSHOT_2018, today()]
    labels = Labels()
    prio = {"http://www.w3.org/2000/01/rdf-schema#label": 0, "http://www.w3.org/2004/02/skos/core#prefLabel": 1,
            "http://purl.org/dc/terms/title": 2}
    best: dict[tuple[str, str], int] = {}
    for r in pipe.backend.select(_qf("labels"), {}).dicts():
        s, lit = str(r["s"]), r["l"]
        lang = getattr(lit, "language", None) or ""
        p = prio[str(r["p"])]
        if (s, lang) not in best or p < best[(s, lang)] or (p == best[(s, lang)] and str(lit) <
                                                             labels.by_iri[s][lang]):
            best[(s, lang)] = p
            labels.by_iri.setdefault(s, {})[lang] = str(lit)
    definitions: dict[str, str] = {}
    for r in _rows(pipe, "definitions"):
        definitions.setdefault(r["s"], r["d"])
    builder = MatrixBuilder(pipe.project, pipe.backend)
    matrices = {d.isoformat(): builder.build(d) for d in dates}
    instruments: dict[str, dict] = {}
    for r in _rows(pipe, "instruments"):
        i = instruments.setdefault(r["instrument"], {**r, "kinds": set(), "replaced_by": set()})
        if r["kind"]:
            i["kinds"].add(r["kind"])
        if r["replaced_by"]:
            i["replaced_by"].add(r["replaced_by"])
    for i in instruments.values():
        i["kinds"] = sorted(i["kinds"])
        i["replaced_by"] = sorted(i["replaced_by"])
        i["replaces"] = sorted(k for k, o in instruments.items() if i["instrument"] in o["replaced_by"])
    sources = builder.sources()
    classes = builder.data_classes()
    requirements: dict[str, dict] = {}
    for r in _rows(pipe, "requirements"):
        requirements.setdefault(r["requirement"], {**r, "data_classes": sorted(classes.get(r["requirement"], [])),
                                                   "sources": sources.get(r["requirement"], []),
                                                   "provisions": [], "instruments": []})
    for r in _rows(pipe, "provisions"):
        req = requirements.get(r["requirement"])
        if req is None:
            continue
        req["provisions"].append(r)
        if r["instrument"] not in req["instruments"]:
            req["instruments"].append(r["instrument"])
    values: dict[str, list[dict]] = defaultdict(list)
    for r in _rows(pipe, "values"):
        values[r["topic"]].append(r)
    authorities: dict[str, list[str]] = defaultdict(list)
    for r in _rows(pipe, "authorities"):
        authorities[r["jurisdiction"]].append(r["authority"])
    queries = [q for q in catalogue(pipe.project, include_checks=False) if q.site]
    d = diff(pipe, dates[0], dates[-1])
    return SiteData(pipe, labels, definitions, matrices, instruments, requirements, dict(values),
                    _rows(pipe, "claims"), dict(authorities), queries, d, dates)


# ---------------------------------------------------------------------------------------------------------------
# Rendering


class Renderer:
    def __init__(self, data: SiteData, docs: Path):
        self.data = data
        self.docs = docs
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                               extensions=["jinja2.ext.do"])
        self.pages: list[str] = []
        self.ranks = {(t, v["value"]): v["rank"] for t, vs in data.values.items() for v in vs}
        self.value_iri = {(t, v["value"]): v["iri"] for t, vs in data.values.items() for v in vs}

    # -- helpers exposed to templates ---------------------------------------------------------------------------
    def helpers(self, page: str, lang: str) -> dict:
        ui = UI[lang]
        data = self.data

        def label(iri: str) -> Markup:
            text, fb = data.labels.get(iri, lang)
            if fb:
                return Markup('<span class="cr-fallback" lang="en" title="{}">{}</span>').format(ui["fallback"], text)
            return escape(text)

        def href(to: str) -> str:
            return rel_url(page, to, lang)

        def topic_label(code: str) -> Markup:
            return label(ID + "topic/" + code)

        def value_label(topic: str, value: str | None) -> Markup:
            if value is None:
                return Markup('<span class="cr-nr">{}</span>').format(ui["not_researched"])
            iri = self.value_iri.get((topic, value))
            return label(iri) if iri else escape(value)

        def jur_label(code: str) -> Markup:
            return label(ID + code.lower())

        def badge(status: str) -> Markup:
            text = status if lang == "en" else label(ID + "status/" + status) if status != "not-researched" \
                else ui["not_researched"]
            return Markup('<span class="cr-badge cr-{}" title="{}">{}</span>').format(status, status, text)

        def level(topic: str, value: str | None) -> str:
            if value is None:
                return "nr"
            ranks = [v["rank"] for v in data.values.get(topic, []) if v["rank"] is not None]
            r = self.ranks.get((topic, value))
            if r is None or not ranks or max(ranks) == min(ranks):
                return "0"
            return str(round(4 * (r - min(ranks)) / (max(ranks) - min(ranks))))

        def req_href(req: str) -> str:
            return href(f"{data.req_page(req)}#req-{anchor(req)}")

        return dict(ui=ui, lang=lang, label=label, href=href, topic_label=topic_label, value_label=value_label,
                    jur_label=jur_label, badge=badge, level=level, anchor=anchor, req_href=req_href,
                    id_path=id_path, inst_page=lambda i: f"reference/instruments/{id_path(i)}.md",
                    jur_page=lambda j: f"reference/jurisdictions/{j.lower()}.md",
                    topic_page=lambda t: f"reference/topics/{t}.md", page=page)

    def write(self, page: str, template: str, **ctx) -> None:
        tpl = self.env.get_template(template)
        for lang in LANGS:
            out = page if lang == "en" else page.removesuffix(".md") + f".{lang}.md"
            text = tpl.render(**self.helpers(page, lang), **ctx)
            path = self.docs / out
            # page names come from data (IRIs): one with ../ segments must not write outside the site's docs
            if not path.resolve().is_relative_to(self.docs.resolve()):
                raise CloudregError(f"page {out!r} (named after an IRI in the data) would be written outside the "
                                    "site; an IRI must not contain '.' or '..' path segments")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.pages.append(page)

    def fragment(self, template: str, page: str, lang: str, **ctx) -> str:
        return self.env.get_template(template).render(**self.helpers(page, lang), **ctx)

    # -- pages --------------------------------------------------------------------------------------------------
    def render_all(self) -> list[str]:
        d = self.data
        by_jur_reqs: dict[str, list[dict]] = defaultdict(list)
        for r in d.requirements.values():
            by_jur_reqs[r["jurisdiction"]].append(r)
        by_jur_inst: dict[str, list[dict]] = defaultdict(list)
        for i in d.instruments.values():
            by_jur_inst[i["jurisdiction"]].append(i)
        latest = d.matrices[d.dates[-1].isoformat()]
        claims = [self.claim_row(c) for c in d.claims]
        topics = HEADLINE_TOPICS + FURTHER_TOPICS
        self.write("reference/jurisdictions/index.md", "jurisdictions.md.j2", jurisdictions=JURISDICTIONS,
                   reqs=by_jur_reqs, insts=by_jur_inst)
        for j in JURISDICTIONS:
            self.write(f"reference/jurisdictions/{j.lower()}.md", "jurisdiction.md.j2", j=j, topics=topics,
                       reqs=by_jur_reqs.get(j, []), insts=by_jur_inst.get(j, []),
                       cells={c["topic"]: c for c in latest["cells"] if c["jurisdiction"] == j},
                       claims=[c for c in claims if c["jurisdiction"] == j],
                       authorities=d.authorities.get(j, []), today=d.dates[-1].isoformat())
        self.write("reference/topics/index.md", "topics.md.j2", headline=HEADLINE_TOPICS, further=FURTHER_TOPICS)
        for t in topics:
            self.write(f"reference/topics/{t}.md", "topic.md.j2", t=t, jurisdictions=JURISDICTIONS,
                       reqs={j: [r for r in by_jur_reqs.get(j, []) if r["topic"] == t] for j in JURISDICTIONS},
                       cells={c["jurisdiction"]: c for c in latest["cells"] if c["topic"] == t},
                       values=d.values.get(t, []), definition=d.definitions.get(ID + "topic/" + t, ""),
                       claims=[c for c in claims if c["topic"] == t], today=d.dates[-1].isoformat())
        self.write("reference/instruments/index.md", "instruments.md.j2", jurisdictions=JURISDICTIONS,
                   insts=by_jur_inst)
        by_inst: dict[str, list[dict]] = defaultdict(list)  # one pass, not one scan of every requirement per page
        for r in d.requirements.values():
            for i in dict.fromkeys(r["instruments"]):
                by_inst[i].append(r)
        for iri, inst in sorted(d.instruments.items()):
            reqs = by_inst.get(iri, [])
            self.write(f"reference/instruments/{id_path(iri)}.md", "instrument.md.j2", inst=inst, reqs=reqs)
        self.write("reference/changes.md", "changes.md.j2", diff=d.diff)
        self.write("reference/disagreements.md", "disagreements.md.j2", claims=claims,
                   disagreeing=[c for c in claims if c["agrees"] is False])
        self.write("reference/queries/index.md", "queries.md.j2", queries=d.queries)
        for q in d.queries:
            self.write(f"reference/queries/{q.name}.md", "query.md.j2", q=q, **self.query_results(q))
        self.write_ontology()
        return self.pages

    @functools.cached_property
    def matrix_builder(self) -> MatrixBuilder:
        return MatrixBuilder(self.data.pipe.project, self.data.pipe.backend)

    def claim_row(self, c: dict) -> dict:
        on = dt.date.fromisoformat(c["claim_as_of"])
        primary = self.matrix_builder.headline(on).get((c["jurisdiction"], c["topic"])) if c["topic"] in HEADLINE_TOPICS \
            else None
        return {**c, "primary": primary, "agrees": None if primary is None else primary == c["value"]}

    def query_results(self, q: QueryFile) -> dict:
        params = {n: (p.example or p.default) for n, p in q.params.items()}
        missing = [n for n, v in params.items() if v is None]
        if missing:
            return {"params": params, "columns": [], "rows": [], "error": f"no example for {', '.join(missing)}",
                    "csv": None, "json": None}
        bindings = {n: to_term(q.params[n], v) for n, v in params.items()}
        table = self.data.pipe.backend.select(q, bindings)
        rows = [[plain(v) for v in r] for r in table.rows]
        base = f"downloads/queries/{q.name}"
        out = self.docs / base
        out.parent.mkdir(parents=True, exist_ok=True)
        # the same rendering as `cloudreg query NAME --format csv|json`
        (self.docs / f"{base}.csv").write_text(render(table.columns, table.rows, "csv") + "\n", encoding="utf-8")
        (self.docs / f"{base}.json").write_text(render(table.columns, table.rows, "json") + "\n", encoding="utf-8")
        return {"params": params, "columns": table.columns, "rows": rows, "error": None,
                "csv": f"{base}.csv", "json": f"{base}.json"}

    def write_ontology(self) -> None:
        from rdflib import OWL, RDF, RDFS, Graph

        g = Graph()
        for f in self.data.pipe.project.ontology_files():
            g.parse(f, format="turtle")
        classes = sorted(str(c) for c in g.subjects(RDF.type, OWL.Class) if str(c).startswith(ONTOLOGY))
        props = sorted({str(p) for t in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
                        for p in g.subjects(RDF.type, t) if str(p).startswith(ONTOLOGY)})

        def lst(s, p):
            return sorted(str(o) for o in g.objects(s, p))

        from rdflib import URIRef
        cls = [{"iri": c, "name": c[len(ONTOLOGY):], "sub": lst(URIRef(c), RDFS.subClassOf)} for c in classes]
        prs = [{"iri": p, "name": p[len(ONTOLOGY):], "domain": lst(URIRef(p), RDFS.domain),
                "range": lst(URIRef(p), RDFS.range),
                "types": sorted(str(t).split("#")[-1] for t in g.objects(URIRef(p), RDF.type))} for p in props]
        defs = {}
        for s, o in list(g.subject_objects(URIRef("http://www.w3.org/2004/02/skos/core#definition"))) + \
                list(g.subject_objects(RDFS.comment)):
            if getattr(o, "language", None) in (None, "en"):
                defs.setdefault(str(s), str(o))
        self.write("reference/ontology/index.md", "ontology.md.j2", classes=cls, properties=prs, defs=defs,
                   ontology=ONTOLOGY)
        schemes = []
        skos = "http://www.w3.org/2004/02/skos/core#"
        for s in sorted(str(x) for x in g.subjects(RDF.type, URIRef(skos + "ConceptScheme"))):
            members = []
            for c in g.subjects(URIRef(skos + "inScheme"), URIRef(s)):
                rank = g.value(c, URIRef(ONTOLOGY + "strictnessRank"))
                members.append({"iri": str(c), "code": str(g.value(c, URIRef(skos + "notation")) or ""),
                                "rank": int(rank) if rank is not None else None})
            members.sort(key=lambda m: (-(m["rank"] or 0), m["code"]))
            schemes.append({"iri": s, "slug": slug(id_path(s)), "members": members})
        self.write("reference/ontology/schemes.md", "schemes.md.j2", schemes=schemes, defs=defs)


def anchor(iri: str) -> str:
    """The fragment id of a requirement, provision or claim: its IRI's last path segment, kept stable."""
    return slug(iri.rstrip("/").rsplit("/", 1)[-1])


def iri_map(data: SiteData) -> dict[str, str]:
    """IRI -> page URL path (relative to the site root, English) with anchor."""
    out = {}
    for j in JURISDICTIONS:
        out[ID + j.lower()] = page_url(f"reference/jurisdictions/{j.lower()}.md")
    for t in HEADLINE_TOPICS + FURTHER_TOPICS:
        out[ID + "topic/" + t] = page_url(f"reference/topics/{t}.md")
    for i in data.instruments:
        out[i] = page_url(f"reference/instruments/{id_path(i)}.md")
    for r, req in data.requirements.items():
        out[r] = page_url(data.req_page(r)) + "#req-" + anchor(r)
        for p in req["provisions"]:
            out[p["provision"]] = page_url(f"reference/instruments/{id_path(p['instrument'])}.md") + \
                "#prov-" + anchor(p["provision"])
    for c in data.claims:
        out[c["claim"]] = page_url("reference/disagreements.md") + "#claim-" + anchor(c["claim"])
    return dict(sorted(out.items()))


def json_for_script(obj) -> Markup:
    """JSON safe inside a <script type="application/json"> element."""
    text = json.dumps(obj, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
