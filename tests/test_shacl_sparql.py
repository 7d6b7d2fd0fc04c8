"""The fast path's SHACL engine (shapes compiled to SPARQL on Oxigraph): coverage of the real shapes, refusal of
what it does not translate, and the fall-back to pySHACL. Agreement of the reports with pySHACL, on the fixture KB,
the real KB and every broken fixture, is tested in test_fast.py."""

import re

import pytest
from rdflib import Graph, Namespace

from cloudreg.load import load_shapes
from cloudreg.pipeline import Pipeline
from cloudreg.project import Project
from cloudreg.shacl_sparql import Unsupported, compile_shapes

from .conftest import FIXTURES, REPO, make_root

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix cr: <https://w3id.org/cloudreg/ontology#> .
@prefix crs: <https://w3id.org/cloudreg/shapes#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def test_every_constraint_of_the_real_shapes_compiles():
    shapes = load_shapes(Project.at(REPO))
    compiled = compile_shapes(shapes)
    n_constraints = sum(1 for ps in shapes.objects(None, Namespace("http://www.w3.org/ns/shacl#").property)
                        for p, _ in shapes.predicate_objects(ps)
                        if str(p).split("#")[-1] not in {"path", "message", "flags"})
    assert len(compiled.checks) >= 50
    # every constraint of a targeted shape is a check; the sh:node shapes' own checks are kept for details
    assert len(compiled.checks) + sum(len(v) for v in compiled.details.values()) >= n_constraints - 10
    components = {c.component for c in compiled.checks}
    assert {"MinCountConstraintComponent", "SPARQLConstraintComponent", "NodeConstraintComponent",
            "LessThanConstraintComponent", "UniqueLangConstraintComponent"} <= components


def _compile(text: str):
    g = Graph().parse(data=PREFIXES + text, format="turtle")
    return compile_shapes(g)


@pytest.mark.parametrize(("shape", "said"), [
    # a sequence path
    ("sh:property [ sh:path ( cr:restsOn cr:ofInstrument ) ; sh:minCount 1 ; sh:message \"m\" ]", "only IRI paths"),
    # an unknown constraint is refused, never silently dropped
    ("sh:property [ sh:path rdfs:label ; sh:equals rdfs:comment ; sh:message \"m\" ]", "equals"),
    # pySHACL writes its own wording when sh:message is missing; the compiler does not imitate it
    ("sh:property [ sh:path rdfs:label ; sh:minCount 1 ]", "sh:message"),
], ids=["sequence-path", "unknown-constraint", "no-message"])
def test_what_the_compiler_cannot_translate_is_refused(shape, said):
    with pytest.raises(Unsupported, match=re.escape(said)):
        _compile(f"crs:S a sh:NodeShape ; sh:targetClass cr:Requirement ; {shape} .")


def test_unsupported_shapes_fall_back_to_pyshacl(tmp_path, capfd):
    root = make_root(tmp_path / "repo", FIXTURES / "kb" / "data")
    (root / "ontology" / "shapes" / "extra.shapes.ttl").write_text(PREFIXES + """
crs:OrShape a sh:NodeShape ; sh:targetClass cr:Requirement ;
    sh:or ( [ sh:path cr:scope ; sh:minCount 1 ] [ sh:path cr:materiality ; sh:minCount 1 ] ) ;
    sh:message "needs a scope or a materiality" .
""")
    fast = Pipeline(Project.at(root))
    ref = Pipeline(Project.at(root), reasoner="owlrl", store="memory")
    assert fast.store_kind == "oxigraph"
    a, b = fast.report.as_json(), ref.report.as_json()
    assert "validating with pySHACL" in capfd.readouterr().err
    assert a == b
    assert any(v["message"] == "needs a scope or a materiality" for v in a["violations"])
