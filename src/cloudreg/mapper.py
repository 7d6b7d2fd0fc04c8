"""`cloudreg map`: the obligations, conflicts and gaps of a bank profile's cloud workloads, as of a date.

Applicability and conflicts are decided in SPARQL (queries/map/): obligations.rq (jurisdiction, date, data class
through cr:withinDataClass, materiality), location-conflicts.rq and audit-conflicts.rq (what the workload cannot
meet as described), coverage.rq (topics with nothing in force: not researched) and host-jurisdictions.rq (hosting
codes the KB knows, EU member states counted as EU). This module runs them once per jurisdiction, workload, data
class and hosting country, merges the rows, words a plain-language action per topic and value, and formats.

Reading of the profile (documented in examples/profiles/README.md): a workload with `material: true` is also
treated as holding `critical` data (interface.md defines `critical` as "material / 중요정보"), so requirements on
critical data reach it; `non-critical` is never implied.

JSON shape (interface.md): {profile, as_of, obligations, conflicts, not_covered}.
  obligations: {jurisdiction, workload, topic, value, action, sources} plus modality (strictest), status
    (weakest), data_classes (the workload's classes it covers) and requirements [{iri, label, description,
    modality, status}];
  conflicts: {jurisdiction, workload, topic, reason, sources} plus kind (no-cloud, outside-jurisdiction,
    no-supervisor-audit, no-institution-audit), value, requirement, data_classes, hosting;
  not_covered: {jurisdiction, workload, topic, reason, kind} with kind `not-researched` (nothing on the topic in
    force in the jurisdiction on the date), `no-matching-requirement` (the topic is researched there, but no
    requirement covers this workload's data classes or materiality) or `unknown-hosting-country` (a well-formed
    code the KB does not know; jurisdiction is null and `host` names the code).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cloudreg.backends import Backend
from cloudreg.formats import plain
from cloudreg.profile import Profile, Workload
from cloudreg.project import Project
from cloudreg.queries import find_query, to_term

STATUS_ORDER = ["unverified", "seed-only", "secondary", "verified-primary"]  # weakest first
MODALITY_ORDER = ["must", "should", "may"]
JURISDICTION_NAMES = {"KR": "Korea", "EU": "the European Union", "UK": "the United Kingdom", "US": "the United States",
                      "JP": "Japan", "SG": "Singapore", "AU": "Australia"}
MODALITY_WORDS = {"must": "", "should": "Expected (should): ", "may": "Permitted (may): "}

# Plain-language actions keyed by topic and value. {provider}, {classes}, {where}, {hosting} are filled per row.
ACTIONS: dict[tuple[str, str], str] = {
    ("csp-oversight", "direct"): "Expect the supervisor to oversee or examine {provider} directly; make sure "
                                 "the contract lets {provider} cooperate with it.",
    ("csp-oversight", "indirect"): "The supervisor reaches {provider} only through you: oversee the provider "
                                   "yourself and give the supervisor what it asks for.",
    ("csp-oversight", "self-regulatory"): "Follow the industry self-regulatory standard for the use of {provider}.",
    ("notification", "prior-approval"): "Obtain the supervisor's approval before the workload goes live on "
                                        "{provider}.",
    ("notification", "prior-notification"): "Notify the supervisor before the workload goes live on {provider}, "
                                            "with the information the instrument lists.",
    ("notification", "post-notification"): "Notify the supervisor after the arrangement with {provider} is made "
                                           "or starts.",
    ("notification", "on-request"): "Keep the documentation of the arrangement with {provider} ready to give the "
                                    "supervisor on request.",
    ("notification", "none"): "No duty to notify the supervisor was found for this workload.",
    ("audit-rights", "institution-and-supervisor"): "Make sure the contract with {provider} grants access and "
                                                    "audit rights to the institution and to its supervisor.",
    ("audit-rights", "institution-only"): "Make sure the contract with {provider} grants access and audit rights "
                                          "to the institution.",
    ("audit-rights", "recommended"): "Seek access and audit rights in the contract with {provider} (recommended).",
    ("audit-rights", "none"): "No audit-rights requirement was found for this workload.",
    ("data-location", "prohibited"): "Do not place {classes} data in a cloud at all.",
    ("data-location", "domestic-required"): "Store and process {classes} data only in {where}.",
    ("data-location", "assessment-required"): "Assess and document the legal and other risks of hosting "
                                              "{classes} data in {hosting} before it goes there.",
    ("data-location", "no-restriction"): "No restriction on where {classes} data may be hosted was found.",
}
LEVEL_ACTIONS = {
    "materiality-assessment": "assess and document how material the use of {provider} is",
    "due-diligence": "carry out due diligence on {provider} before contracting",
    "exit-strategy": "document an exit strategy and plan for leaving or replacing {provider}",
    "sub-outsourcing": "set conditions in the contract for {provider}'s subcontractors",
    "outsourcing-register": "record the arrangement with {provider} in the outsourcing register",
    "encryption": "encrypt the workload's data held by {provider} and manage the keys",
    "incident-reporting": "make sure incidents at {provider} reach you and, where required, the supervisor",
    "business-continuity": "cover the workload on {provider} in business-continuity and recovery plans",
    "data-classification": "classify the workload's data before placing it with {provider}",
}
CONFLICT_REASONS = {
    "no-cloud": "{label}: {classes} data may not be placed in a cloud at all on this date, but the workload "
                "puts it on {provider}.",
    "outside-jurisdiction": "{label}: {classes} data must stay in {where}, but the workload is hosted in "
                            "{outside}.",
    "no-supervisor-audit": "{label}: the contract must give the supervisor access and audit rights "
                           "({modality}), but the profile says {provider}'s terms do not.",
    "no-institution-audit": "{label}: the contract must give the institution access and audit rights "
                            "({modality}), but the profile says {provider}'s terms do not.",
}


def effective_classes(w: Workload) -> list[str]:
    """The data classes the queries are asked about: the declared ones, plus `critical` for a material workload."""
    return w.data_classes + (["critical"] if w.material and "critical" not in w.data_classes else [])


def action_for(topic: str, value: str, modality: str, *, provider: str, classes: list[str], where: str,
               hosting: list[str]) -> str:
    fill = {"provider": provider, "classes": ", ".join(classes), "where": where, "hosting": ", ".join(hosting)}
    if (topic, value) in ACTIONS:
        text = ACTIONS[(topic, value)].format(**fill)
    elif topic in LEVEL_ACTIONS and value in ("required", "recommended"):
        step = LEVEL_ACTIONS[topic].format(**fill)
        text = step[0].upper() + step[1:] + ("." if value == "required" else " (recommended).")
    elif value == "none":
        text = f"No requirement on {topic} was found for this workload."
    else:
        text = f"{topic}: {value}."
    if value in ("none", "no-restriction"):
        return text
    return MODALITY_WORDS.get(modality, "") + text


class Mapper:
    def __init__(self, project: Project, backend: Backend):
        self.project = project
        self.backend = backend
        self._queries: dict = {}
        self._sources: dict[str, list[dict]] | None = None

    def _run(self, name: str, **params: str) -> list[dict]:
        if name not in self._queries:
            self._queries[name] = find_query(self.project, name)
        q = self._queries[name]
        bindings = {k: to_term(q.params[k], v) for k, v in params.items()}
        return [{k: plain(v) for k, v in r.items()} for r in self.backend.select(q, bindings).dicts()]

    def sources(self) -> dict[str, list[dict]]:
        if self._sources is None:
            out: dict[str, list[dict]] = defaultdict(list)
            for r in self._run("requirements/sources"):
                out[r["requirement"]].append({"instrument": r["instrument_title"], "instrument_iri": r["instrument"],
                                              "locator": r["locator"], "url": r["url"]})
            self._sources = out
        return self._sources

    def _sources_of(self, iris) -> list[dict]:
        seen, out = set(), []
        for iri in sorted(iris):
            for s in self.sources().get(iri, []):
                key = (s["instrument_iri"], s["locator"])
                if key not in seen:
                    seen.add(key)
                    out.append(s)
        return out

    def map(self, profile: Profile, as_of: dt.date) -> dict:
        day = as_of.isoformat()
        obligations, conflicts, not_covered = [], [], []
        hosts_known = {h: self._run("map/host-jurisdictions", host=h, as_of=day)
                       for w in profile.workloads for h in w.hosting}
        for j in profile.operates_in:
            coverage = {r["topic"]: int(r["requirements"]) for r in self._run("map/coverage", jurisdiction=j, as_of=day)}
            for w in profile.workloads:
                obs = self._obligations(j, w, day)
                obligations += obs
                conflicts += self._conflicts(j, w, day)
                covered = {o["topic"] for o in obs}
                for topic, n in coverage.items():
                    if n == 0:
                        not_covered.append({"jurisdiction": j, "workload": w.name, "topic": topic,
                                            "kind": "not-researched",
                                            "reason": f"no requirement on {topic} in force in {j} on {day} is "
                                                      "recorded in the knowledge base (not researched)"})
                    elif topic not in covered:
                        not_covered.append({"jurisdiction": j, "workload": w.name, "topic": topic,
                                            "kind": "no-matching-requirement",
                                            "reason": f"{n} requirement(s) on {topic} in force in {j} on {day}, none "
                                                      f"for data classes {', '.join(effective_classes(w))} with "
                                                      f"material: {str(w.material).lower()}; the knowledge base "
                                                      "records no obligation for this workload"})
        for w in profile.workloads:
            for h in w.hosting:
                if not hosts_known[h]:
                    not_covered.append({"jurisdiction": None, "workload": w.name, "topic": "data-location",
                                        "kind": "unknown-hosting-country", "host": h,
                                        "reason": f"hosting country {h} is not a jurisdiction in the knowledge "
                                                  "base (nor an EU member state on this date): its own law on "
                                                  "data hosted there is not covered"})
        return {"profile": profile.name, "as_of": day, "obligations": obligations, "conflicts": conflicts,
                "not_covered": not_covered}

    def _obligations(self, j: str, w: Workload, day: str) -> list[dict]:
        reqs: dict[str, dict] = {}
        classes: dict[str, list[str]] = defaultdict(list)
        for dc in effective_classes(w):
            for r in self._run("map/obligations", jurisdiction=j, data_class=dc,
                               material=str(w.material).lower(), as_of=day):
                reqs.setdefault(r["requirement"], r)
                if dc not in classes[r["requirement"]]:
                    classes[r["requirement"]].append(dc)
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in reqs.values():
            groups[(r["topic"], r["value"])].append(r)
        out = []
        for (topic, value), rs in sorted(groups.items(), key=lambda kv: (kv[1][0]["torder"], -(kv[1][0]["rank"] or 0))):
            iris = [r["requirement"] for r in rs]
            covered = [c for c in effective_classes(w) if any(c in classes[i] for i in iris)]
            modality = min((r["modality"] for r in rs), key=MODALITY_ORDER.index)
            out.append({
                "jurisdiction": j, "workload": w.name, "topic": topic, "value": value,
                "action": action_for(topic, value, modality, provider=w.provider, classes=covered,
                                     where=JURISDICTION_NAMES.get(j, j), hosting=w.hosting),
                "sources": self._sources_of(iris),
                "modality": modality,
                "status": min((r["status"] for r in rs), key=STATUS_ORDER.index),
                "data_classes": covered,
                "requirements": [{"iri": r["requirement"], "label": r["label"], "description": r["description"],
                                  "modality": r["modality"], "status": r["status"]}
                                 for r in sorted(rs, key=lambda r: r["requirement"])],
            })
        return out

    def _conflicts(self, j: str, w: Workload, day: str) -> list[dict]:
        found: dict[tuple[str, str], dict] = {}

        def add(r: dict, host: str | None = None):
            c = found.setdefault((r["requirement"], r["kind"]), {**r, "classes": [], "hosts": []})
            if r["class_asked"] not in c["classes"]:
                c["classes"].append(r["class_asked"])
            if host and host not in c["hosts"]:
                c["hosts"].append(host)

        material = str(w.material).lower()
        terms = {k: str(w.provider_terms[k]).lower() if k in w.provider_terms else "unknown"
                 for k in ("supervisor_audit", "institution_audit")}
        for dc in effective_classes(w):
            for h in w.hosting:
                for r in self._run("map/location-conflicts", jurisdiction=j, data_class=dc, material=material,
                                   host=h, as_of=day):
                    add({**r, "class_asked": dc}, h)
            if "false" in terms.values():
                for r in self._run("map/audit-conflicts", jurisdiction=j, data_class=dc, material=material,
                                   as_of=day, **terms):
                    add({**r, "class_asked": dc})
        out = []
        for (iri, kind), c in sorted(found.items()):
            reason = CONFLICT_REASONS[kind].format(
                label=c["label"] or iri, classes=", ".join(c["classes"]), provider=w.provider,
                where=JURISDICTION_NAMES.get(j, j), outside=", ".join(c["hosts"]), modality=c["modality"])
            out.append({"jurisdiction": j, "workload": w.name, "topic": c["topic"], "reason": reason,
                        "sources": self._sources_of([iri]), "kind": kind, "value": c["value"], "requirement": iri,
                        "data_classes": c["classes"], "hosting": c["hosts"] if kind == "outside-jurisdiction" else []})
        return out


# ---------------------------------------------------------------------------------------------------------------
# output formats

CSV_COLUMNS = ["jurisdiction", "workload", "topic", "value", "modality", "status", "data_classes", "action",
               "sources", "requirements"]


def to_csv(result: dict) -> str:
    """One row per obligation; sources as `instrument, locator <url>` joined by ` | `."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for o in result["obligations"]:
        w.writerow([o["jurisdiction"], o["workload"], o["topic"], o["value"], o["modality"], o["status"],
                    " ".join(o["data_classes"]), o["action"], " | ".join(_source_text(s) for s in o["sources"]),
                    " ".join(r["iri"] for r in o["requirements"])])
    return buf.getvalue()


def _source_text(s: dict) -> str:
    text = f"{s['instrument']}, {s['locator']}"
    return text + (f" <{s['url']}>" if s.get("url") else "")


def to_markdown(result: dict, profile: Profile) -> str:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    by_j: dict[str, dict] = {j: {"obligations": defaultdict(list), "conflicts": [], "not_covered": defaultdict(list)}
                             for j in profile.operates_in}
    for o in result["obligations"]:
        by_j[o["jurisdiction"]]["obligations"][o["workload"]].append(o)
    for c in result["conflicts"]:
        by_j[c["jurisdiction"]]["conflicts"].append(c)
    for n in result["not_covered"]:
        if n["jurisdiction"] is not None:
            by_j[n["jurisdiction"]]["not_covered"][n["kind"]].append(n)
    sources: dict[tuple, dict] = {}
    for item in result["obligations"] + result["conflicts"]:
        for s in item["sources"]:
            sources.setdefault((s["instrument"] or "", s["locator"] or ""), s)
    return env.get_template("map.md.j2").render(
        r=result, profile=profile, by_j=by_j, names=JURISDICTION_NAMES,
        classes={w.name: effective_classes(w) for w in profile.workloads},
        unknown_hosts=[n for n in result["not_covered"] if n["jurisdiction"] is None],
        sources=[sources[k] for k in sorted(sources)])
