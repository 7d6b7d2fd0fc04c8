"""A synthetic knowledge base shaped like the real one, for benchmarks: deterministic from a seed.

    python -m cloudreg.synth --triples 100000 --out /tmp/synth-100k [--seed 1]
    (also: python benchmarks/generate.py ...)

It writes a repository root: ontology/ and queries/ copied from this repository, and data/<jur>/ with the seven
jurisdictions (and one authority each), instrument series with lineage (each edition cr:replaces the previous one
and ends when the next begins), provisions, requirements on every topic with values from the topic's scheme, data
classes, institutions, materiality, validity intervals inside the instrument's time in force, and claims of one
secondary source (all as of the paper's date, 2018-07-16, as in the real KB: the matrix looks up the headline on each
claim's date). The data conforms to the shapes and passes the checks (tests/test_synth.py). Files hold about
40 instruments each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

from rdflib import Graph, Namespace, URIRef

from cloudreg.project import JURISDICTIONS

ID = "https://w3id.org/cloudreg/id/"
CR = Namespace("https://w3id.org/cloudreg/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

PREFIXES = """@prefix cr: <https://w3id.org/cloudreg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/cloudreg/id/> .
"""

KINDS = ["Act", "Regulation", "Guideline", "Recommendation", "SupervisoryStatement", "IndustryStandard"]
PER_FILE = 40


def _schemes(onto: Path) -> dict:
    """Topics with their value IRIs, and the members of the other schemes, read from ontology/schemes.ttl."""
    g = Graph().parse(onto / "schemes.ttl", format="turtle")
    topics = {}
    for t, scheme in g.subject_objects(CR.valueScheme):
        values = sorted(str(v) for v in g.subjects(SKOS.inScheme, scheme))
        if values:
            topics[str(t)] = values

    def members(name: str) -> list[str]:
        return sorted(str(v) for v in g.subjects(SKOS.inScheme, URIRef(ID + "scheme/" + name)))

    return {"topics": dict(sorted(topics.items())), "data_classes": members("data-classes"),
            "institutions": members("institutions"), "materiality": members("materiality"),
            "modality": members("modality"), "status": members("status"), "bindingness": members("bindingness")}


def _d(day: dt.date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class Writer:
    def __init__(self, out: Path):
        self.out = out
        self.triples = 0

    def file(self, rel: str, body: list[str]) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PREFIXES + "\n" + "\n".join(body) + "\n", encoding="utf-8")


def generate(out: Path, triples: int, seed: int = 1, repo: Path | None = None) -> int:
    """Write a synthetic repository root at `out` with about `triples` data triples; returns the number written."""
    repo = repo or Path(__file__).resolve().parents[2]
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(repo / "ontology", out / "ontology")
    shutil.copytree(repo / "queries", out / "queries")
    sch = _schemes(out / "ontology")
    topics = list(sch["topics"])
    w = Writer(out)
    n = 0
    # jurisdictions, authorities, one secondary source
    for order, code in enumerate(JURISDICTIONS, 1):
        j = code.lower()
        w.file(f"data/{j}/jurisdiction.ttl", [
            f'<{ID}{j}> a cr:Jurisdiction ; skos:notation "{code}" ; cr:order {order} ;',
            f'    rdfs:label "Synthetic {code}"@en , "합성 {code}"@ko .',
            f'<{ID}{j}/authority> a cr:Authority ; cr:jurisdiction <{ID}{j}> ; skos:notation "AUTH-{code}" ;',
            f'    rdfs:label "Synthetic authority {code}"@en , "합성 기관 {code}"@ko .'])
        n += 9
    src = f"{ID}source/synthetic-paper"
    claims = [f'<{src}> a cr:SecondarySource ; dct:title "Synthetic paper"@en ; skos:notation "synthetic-paper" ;',
              f'    rdfs:label "Synthetic paper"@en ; dct:issued "2018-07-16"^^xsd:date ; cr:issuedBy <{ID}kr/authority> .']
    n += 7
    buckets: dict[str, list[str]] = {}
    series = 0
    while n < triples:
        series += 1
        code = JURISDICTIONS[rng.randrange(len(JURISDICTIONS))]
        j = code.lower()
        editions = rng.randint(1, 4)
        start = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(8000))
        days = [start]
        for _ in range(editions):
            days.append(days[-1] + dt.timedelta(days=rng.randint(200, 2500)))
        prev = None
        for e in range(editions):
            iri = f"{ID}{j}/s{series}-e{e + 1}"
            kind = KINDS[rng.randrange(len(KINDS))]
            last = e == editions - 1
            until = None if last and rng.random() < 0.7 else days[e + 1]
            body = [f"<{iri}> a cr:{kind} ;",
                    f'    dct:title "Synthetic instrument {series} edition {e + 1}"@en ;',
                    f'    dct:identifier "SYN-{series}-{e + 1}" ;',
                    f"    cr:jurisdiction <{ID}{j}> ; cr:issuedBy <{ID}{j}/authority> ;",
                    f"    cr:bindingness <{sch['bindingness'][rng.randrange(len(sch['bindingness']))]}> ;",
                    f"    dct:issued {_d(days[e] - dt.timedelta(days=30))} ; cr:inForceFrom {_d(days[e])} ;",
                    f'    cr:url "https://example.org/{j}/{series}/{e + 1}"^^xsd:anyURI'
                    + (f" ;\n    cr:inForceUntil {_d(until)}" if until else "")
                    + (f" ;\n    cr:replaces <{prev}>" if prev else "") + " ."]
            n += 9 + (1 if until else 0) + (1 if prev else 0)
            provs = []
            for k in range(rng.randint(2, 6)):
                p = f"{iri}/art-{k + 1}"
                provs.append(p)
                body.append(f'<{p}> a cr:Provision ; cr:ofInstrument <{iri}> ; cr:locator "Art. {k + 1}" ; '
                            f'cr:url "https://example.org/{j}/{series}/{e + 1}#art-{k + 1}"^^xsd:anyURI .')
                n += 4
            used = set()  # one requirement per topic in an edition (checks/headline-cell-overlap-same-value)
            for r in range(rng.randint(2, 8)):
                req = f"{ID}{j}/requirement/s{series}-e{e + 1}-r{r + 1}"
                t = topics[rng.randrange(len(topics))]
                values = sch["topics"][t]
                if t in used:
                    continue
                used.add(t)
                vf = days[e] + dt.timedelta(days=rng.randrange(60))
                vu = until
                dcs = rng.sample(sch["data_classes"], rng.randint(1, 2))
                body += [f"<{req}> a cr:Requirement ;",
                         f'    rdfs:label "Synthetic requirement {series}.{e + 1}.{r + 1}"@en ;',
                         f'    dct:description "A synthetic requirement on {_esc(t.rsplit("/", 1)[-1])}."@en ;',
                         f"    cr:topic <{t}> ; cr:value <{values[rng.randrange(len(values))]}> ;",
                         f"    cr:modality <{sch['modality'][rng.randrange(len(sch['modality']))]}> ;",
                         "    cr:appliesToDataClass " + " , ".join(f"<{x}>" for x in dcs) + " ;",
                         f"    cr:appliesToInstitution <{sch['institutions'][rng.randrange(len(sch['institutions']))]}> ;",
                         f"    cr:materiality <{sch['materiality'][rng.randrange(len(sch['materiality']))]}> ;",
                         f'    cr:scope "Synthetic scope"@en ; cr:validFrom {_d(vf)} ;'
                         + (f" cr:validUntil {_d(vu)} ;" if vu and vu > vf else ""),
                         f"    cr:verificationStatus <{sch['status'][rng.randrange(len(sch['status']))]}> ;",
                         '    cr:verificationNote "Generated."@en ;',
                         "    cr:restsOn " + " , ".join(f"<{x}>" for x in rng.sample(provs, rng.randint(1, 2))) + " ."]
                n += 14 + len(dcs) + (1 if vu and vu > vf else 0)
            if rng.random() < 0.2:
                t = topics[rng.randrange(len(topics))]
                values = sch["topics"][t]
                c = f"{ID}claim/synthetic/s{series}-e{e + 1}"
                claims += [f"<{c}> a cr:Claim ; cr:claimedBy <{src}> ; cr:aboutJurisdiction <{ID}{j}> ;",
                           f'    rdfs:label "Synthetic claim {series}.{e + 1}"@en ; '
                           f'dct:description "A synthetic claim."@en ;',
                           f"    cr:topic <{t}> ; cr:value <{values[rng.randrange(len(values))]}> ;",
                           f'    cr:locator "p. {rng.randint(1, 40)}" ; cr:claimAsOf "2018-07-16"^^xsd:date ;'
                           ' cr:isPlan false ;',
                           f"    cr:verificationStatus <{sch['status'][rng.randrange(len(sch['status']))]}> ;",
                           '    cr:verificationNote "Generated."@en .']
                n += 12
            bucket = buckets.setdefault(j, [])
            bucket += body
            if len(bucket) > PER_FILE * 60:
                w.file(f"data/{j}/synthetic-{series:07d}.ttl", bucket)
                buckets[j] = []
            prev = iri
    for j, bucket in buckets.items():
        if bucket:
            w.file(f"data/{j}/synthetic-rest.ttl", bucket)
    w.file("data/sources/synthetic-paper.ttl", claims)
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    n = generate(a.out, a.triples, a.seed)
    print(f"wrote {a.out}: about {n} data triples (seed {a.seed})")


if __name__ == "__main__":
    main()
