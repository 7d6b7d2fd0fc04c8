"""Stage 4, query: the catalogue of `.rq` files with strict `#+` YAML headers, and parameter binding.

A query's name is its path under queries/ without `.rq` (`matrix/headline`). Parameters are bound as RDF terms
(initBindings locally, a VALUES block remotely), never spliced into the text as strings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import XSD, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from cloudreg.errors import InputError
from cloudreg.project import (
    DATA_CLASSES,
    FURTHER_TOPICS,
    HEADLINE_TOPICS,
    ID,
    Project,
    jurisdiction_iri,
    parse_date,
    parse_jurisdiction,
    topic_iri,
)

HEADER_KEYS = {"summary", "description", "tags", "params", "reasoning", "site", "severity"}
PARAM_KEYS = {"type", "example", "default", "description"}
PARAM_TYPES = {"iri", "date", "string", "integer", "jurisdiction", "topic", "value", "data-class"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    example: str | None = None
    default: str | None = None
    description: str | None = None


@dataclass
class QueryFile:
    name: str
    path: Path
    summary: str
    text: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    params: dict[str, Param] = field(default_factory=dict)
    reasoning: str = "none"
    site: bool = True
    severity: str | None = None

    @property
    def is_check(self) -> bool:
        return self.name.startswith("checks/")


def parse_header(path: Path, rel: str) -> tuple[dict, str]:
    """Split a query file into its `#+` header (parsed as YAML) and the SPARQL text."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read query: {e}", file=rel) from None
    header: list[str] = []
    i = 0
    while i < len(lines) and (lines[i].startswith("#+") or not lines[i].strip()):
        if lines[i].startswith("#+"):
            body = lines[i][2:]
            header.append(body[1:] if body.startswith(" ") else body)
        i += 1
    if not header:
        raise InputError("query has no '#+' header (a '#+ summary:' line at least)", file=rel, line=1)
    try:
        meta = yaml.safe_load("\n".join(header))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", 0) + 1
        raise InputError(f"bad YAML in '#+' header: {e}", file=rel, line=line) from None
    if not isinstance(meta, dict):
        raise InputError("the '#+' header must be a YAML mapping", file=rel, line=1)
    return meta, "\n".join(lines)


def load_query(path: Path, project: Project) -> QueryFile:
    rel = project.rel(path)
    name = path.relative_to(project.queries_dir).with_suffix("").as_posix()
    meta, text = parse_header(path, rel)
    unknown = set(meta) - HEADER_KEYS
    if unknown:
        raise InputError(f"unknown '#+' header key(s): {', '.join(sorted(unknown))}", file=rel)
    summary = meta.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise InputError("'#+ summary:' is required and must be text", file=rel)
    tags = meta.get("tags", []) or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError("'#+ tags:' must be a list of strings", file=rel)
    reasoning = meta.get("reasoning", "none")
    if reasoning not in ("required", "none"):
        raise InputError(f"'#+ reasoning:' must be required or none, not {reasoning!r}", file=rel)
    site = meta.get("site", True)
    if not isinstance(site, bool):
        raise InputError("'#+ site:' must be true or false", file=rel)
    severity = meta.get("severity")
    if name.startswith("checks/"):
        if severity not in ("error", "warning"):
            raise InputError("checks need '#+ severity: error' or 'warning'", file=rel)
    elif severity is not None:
        raise InputError("'#+ severity:' is only for checks/", file=rel)
    params: dict[str, Param] = {}
    raw_params = meta.get("params", {}) or {}
    if not isinstance(raw_params, dict):
        raise InputError("'#+ params:' must be a mapping of name to {type, example}", file=rel)
    for pname, spec in raw_params.items():
        if not isinstance(spec, dict):
            raise InputError(f"param {pname!r} must be a mapping with 'type'", file=rel)
        bad = set(spec) - PARAM_KEYS
        if bad:
            raise InputError(f"param {pname!r}: unknown key(s) {', '.join(sorted(bad))}", file=rel)
        ptype = spec.get("type")
        if ptype not in PARAM_TYPES:
            raise InputError(f"param {pname!r}: type must be one of {', '.join(sorted(PARAM_TYPES))}", file=rel)
        if not re.search(r"\?" + re.escape(pname) + r"\b", text):
            raise InputError(f"param {pname!r} is declared but ?{pname} is not used in the query", file=rel)
        params[pname] = Param(pname, ptype, _str(spec.get("example")), _str(spec.get("default")),
                              spec.get("description"))
    sparql = "\n".join(line for line in text.splitlines() if not line.startswith("#+"))
    try:
        _check_syntax(sparql)
    except Exception as e:
        if _is_update(sparql):
            raise InputError("SPARQL Update is not allowed in the catalogue: queries are read-only",
                             file=rel) from None
        raise InputError(f"SPARQL syntax error: {e}", file=rel) from None
    if name.startswith("checks/") and not re.search(r"SELECT\s+(DISTINCT\s+)?\?focus\s+\?message\b", sparql, re.I):
        raise InputError("checks must SELECT ?focus ?message", file=rel)
    return QueryFile(name=name, path=path, summary=summary.strip(), text=sparql,
                     description=(meta.get("description") or "").strip(), tags=tags, params=params,
                     reasoning=reasoning, site=site, severity=severity)


@functools.lru_cache(maxsize=512)
def _check_syntax(sparql: str) -> None:
    """Raise if `sparql` is not a query. Oxigraph's parser (Rust, microseconds) first; rdflib's (tens of ms per query)
    only when Oxigraph rejects it, so rdflib's message names the error. Every catalogue query also runs on both
    engines in tests/test_fast.py."""
    import pyoxigraph

    try:
        result = pyoxigraph.Store().query(sparql)
        if isinstance(result, pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples):
            return
    except (SyntaxError, ValueError, OSError):
        pass
    prepareQuery(sparql)


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql import prepareUpdate

    try:
        prepareUpdate(text)
    except Exception:
        return False
    return True


def _str(v) -> str | None:
    return None if v is None else str(v)


def catalogue(project: Project, include_checks: bool = True) -> list[QueryFile]:
    qs = [load_query(p, project) for p in sorted(project.queries_dir.glob("**/*.rq"))]
    return [q for q in qs if include_checks or not q.is_check]


def find_query(project: Project, name: str) -> QueryFile:
    name = name.removesuffix(".rq")
    path = project.queries_dir / f"{name}.rq"
    if ".." in Path(name).parts or not path.is_file():
        known = ", ".join(q.name for q in catalogue(project, include_checks=False))
        raise InputError(f"unknown query {name!r}; known queries: {known}")
    return load_query(path, project)


def to_term(param: Param, raw: str):
    """Convert a command-line value to the RDF term the query expects; errors name the parameter."""
    field_ = f"parameter {param.name}"
    t = param.type
    if t == "date":
        return Literal(parse_date(raw, field_).isoformat(), datatype=XSD.date)
    if t == "integer":
        try:
            return Literal(int(raw))
        except ValueError:
            raise InputError(f"{field_}: {raw!r} is not an integer") from None
    if t == "string":
        return Literal(raw)
    if t == "iri":
        if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", raw, re.I):
            raise InputError(f"{field_}: {raw!r} is not an IRI")
        return URIRef(raw)
    if t == "jurisdiction":
        return URIRef(jurisdiction_iri(parse_jurisdiction(raw, field_)))
    if t == "topic":
        if raw not in HEADLINE_TOPICS + FURTHER_TOPICS:
            raise InputError(f"{field_}: unknown topic {raw!r}; expected one of "
                             f"{', '.join(HEADLINE_TOPICS + FURTHER_TOPICS)}")
        return URIRef(topic_iri(raw))
    if t == "data-class":
        if raw not in DATA_CLASSES:
            raise InputError(f"{field_}: unknown data class {raw!r}; expected one of {', '.join(DATA_CLASSES)}")
        return URIRef(ID + "data-class/" + raw)
    if t == "value":
        # a value code such as prior-notification; the topic qualifies it unless given as topic/value
        if "/" in raw:
            return URIRef(ID + "value/" + raw)
        return Literal(raw)
    raise InputError(f"{field_}: unsupported type {t!r}")


def bind_params(query: QueryFile, given: dict[str, str], as_of: str | None) -> dict[str, object]:
    """Check and convert parameters. `as_of` fills a declared `as_of` parameter (default: today)."""
    given = dict(given)
    unknown = set(given) - set(query.params)
    if unknown:
        declared = ", ".join(query.params) or "none"
        raise InputError(f"query {query.name}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                         f"declared: {declared}")
    if "as_of" in query.params:
        if as_of is not None and "as_of" in given:
            raise InputError("give the date either as --as-of or as -p as_of=..., not both")
        if as_of is not None:
            given["as_of"] = as_of
        elif "as_of" not in given:
            from cloudreg.project import today

            given["as_of"] = today().isoformat()
    elif as_of is not None:
        raise InputError(f"query {query.name} takes no date; --as-of does not apply")
    bindings = {}
    for pname, param in query.params.items():
        raw = given.get(pname, param.default)
        if raw is None:
            raise InputError(f"query {query.name}: missing parameter {pname} (-p {pname}=..., "
                             f"e.g. {param.example})")
        bindings[pname] = to_term(param, raw)
    return bindings


_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def sparql_term(term) -> str:
    """A term in SPARQL syntax, escaping every character that could end a string or an IRI."""
    if isinstance(term, URIRef):
        if _BAD_IRI.search(str(term)):
            raise InputError(f"IRI {str(term)!r} contains a character not allowed in an IRI")
        return f"<{term}>"
    if isinstance(term, Literal):
        body = '"' + "".join(_ECHAR.get(c, c) for c in str(term)) + '"'
        if term.language:
            return body + "@" + term.language
        if term.datatype:
            return body + "^^" + sparql_term(URIRef(term.datatype))
        return body
    raise InputError(f"cannot bind {term!r}: only IRIs and literals can be parameters")


def with_values(text: str, bindings: dict[str, object]) -> str:
    """Text for a remote endpoint: a VALUES block at the top of the outermost WHERE group and of each sub-SELECT's.

    Terms are written by sparql_term(), which escapes quotes, backslashes and control characters, so a value
    can never change the query's structure.
    """
    if not bindings:
        return text
    # one single-variable VALUES block per parameter (the same join as one multi-variable row): Virtuoso 7.2
    # fails to compile some queries with a multi-variable VALUES row ("no SPART_VARR_FIXED")
    block = "\n  ".join(f"VALUES ?{n} {{ {sparql_term(t)} }}" for n, t in bindings.items())
    # the outermost WHERE group and every sub-SELECT's WHERE group (a sub-SELECT is evaluated on its own, so it
    # sees a parameter only through its own VALUES block; rdflib's initBindings reach it as well)
    found = [m for m in re.finditer(r"\bWHERE\s*\{", text, re.I)
             if not text[text.rfind("\n", 0, m.start()) + 1: m.start()].lstrip().startswith("#")]
    if not found:
        m = re.search(r"\{", text)
        found = [m] if m else []
    if not found:
        raise InputError("cannot bind parameters: query has no WHERE group")
    out, pos = [], 0
    for m in found:
        out += [text[pos: m.end()], "\n  " + block + "\n"]
        pos = m.end()
    return "".join(out) + text[pos:]
