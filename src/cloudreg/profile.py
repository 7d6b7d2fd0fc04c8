"""Bank profiles for `cloudreg map`: a YAML file read safely, checked field by field, errors naming file, field and line.

The shape is fixed by ../shared/design/interface.md (`cloudreg map PROFILE.yaml`):

    name: Example Bank                 # required, text
    as_of: 2026-11-01                  # optional ISO date; default today (--as-of overrides it)
    operates_in: [KR, SG, EU]          # required: jurisdictions where the institution is regulated
    workloads:                         # required, at least one
      - name: credit scoring           # required, unique within the profile
        data_classes: [personal-credit, unique-identifier]   # required: personal-credit unique-identifier personal
                                                             #   critical non-critical any
        material: true                 # required boolean: material (critical or important) outsourcing?
        hosting: [SG]                  # required: ISO 3166-1 alpha-2 codes (or EU) where data is stored or processed
        provider: Example Cloud        # required, text
        provider_terms:                # optional: what the provider's standard terms grant, where known
          institution_audit: true      #   access and audit rights for the institution
          supervisor_audit: false      #   access and audit rights for the institution's supervisor
        description: ...               # optional free text, shown in the report

Only these keys are accepted (a typo is an error, not silently ignored). The YAML is composed into nodes with
PyYAML's SafeLoader (no arbitrary object construction), so every error can point at the line of the bad field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cloudreg.errors import InputError
from cloudreg.project import DATA_CLASSES, JURISDICTIONS

TOP_KEYS = {"name": True, "as_of": False, "operates_in": True, "workloads": True}
WORKLOAD_KEYS = {"name": True, "data_classes": True, "material": True, "hosting": True, "provider": True,
                 "provider_terms": False, "description": False}
PROVIDER_TERMS_KEYS = {"institution_audit", "supervisor_audit"}
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Workload:
    name: str
    data_classes: list[str]
    material: bool
    hosting: list[str]
    provider: str
    provider_terms: dict[str, bool] = field(default_factory=dict)
    description: str = ""
    line: int = 0


@dataclass(frozen=True)
class Profile:
    name: str
    as_of: dt.date | None
    operates_in: list[str]
    workloads: list[Workload]
    path: str = ""


class _Reader:
    """Turns YAML nodes into checked Python values; every error names the file, the field path and the line."""

    def __init__(self, file: str):
        self.file = file
        self._constructor = yaml.SafeLoader("")

    def fail(self, node: Node | None, fieldpath: str, message: str) -> InputError:
        line = node.start_mark.line + 1 if node is not None else None
        return InputError(f"{fieldpath}: {message}", file=self.file, line=line)

    def mapping(self, node: Node, fieldpath: str, keys: dict[str, bool] | set[str]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, fieldpath, f"expected a mapping of fields, got {_kind(node)}")
        out: dict[str, Node] = {}
        for knode, vnode in node.value:
            key = self.scalar(knode, fieldpath + " (key)")
            key = str(key)
            sub = f"{fieldpath}.{key}" if fieldpath else key
            if key not in keys:
                raise self.fail(knode, sub, f"unknown field; expected one of {', '.join(sorted(keys))}")
            if key in out:
                raise self.fail(knode, sub, "field given twice")
            out[key] = vnode
        if isinstance(keys, dict):
            for key, required in keys.items():
                if required and key not in out:
                    raise self.fail(node, f"{fieldpath}.{key}" if fieldpath else key, "missing required field")
        return out

    def scalar(self, node: Node, fieldpath: str):
        if not isinstance(node, ScalarNode):
            raise self.fail(node, fieldpath, f"expected a single value, got {_kind(node)}")
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError) as e:
            raise self.fail(node, fieldpath, f"cannot read value {node.value!r}: {e}") from None

    def text(self, node: Node, fieldpath: str) -> str:
        v = self.scalar(node, fieldpath)
        if not isinstance(v, str) or not v.strip():
            raise self.fail(node, fieldpath, f"expected non-empty text, got {node.value!r}")
        return v.strip()

    def boolean(self, node: Node, fieldpath: str) -> bool:
        v = self.scalar(node, fieldpath)
        if not isinstance(v, bool):
            raise self.fail(node, fieldpath, f"expected true or false, got {node.value!r}")
        return v

    def date(self, node: Node, fieldpath: str) -> dt.date:
        v = self.scalar(node, fieldpath)
        if isinstance(v, dt.datetime):
            raise self.fail(node, fieldpath, f"expected a date YYYY-MM-DD without a time, got {node.value!r}")
        if isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            raise self.fail(node, fieldpath, f"{node.value!r} is not an ISO date YYYY-MM-DD") from None

    def items(self, node: Node, fieldpath: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, fieldpath, f"expected a list, got {_kind(node)}")
        if not node.value:
            raise self.fail(node, fieldpath, "the list is empty; give at least one entry")
        return list(node.value)

    def codes(self, node: Node, fieldpath: str, allowed: list[str] | None, what: str,
              upper: bool = False) -> list[str]:
        out: list[str] = []
        for i, item in enumerate(self.items(node, fieldpath)):
            sub = f"{fieldpath}[{i}]"
            if not isinstance(item, ScalarNode):
                raise self.fail(item, sub, f"expected a code, got {_kind(item)}")
            # the raw text, not the YAML 1.1 value: `NO` (Norway) must not become false
            code: str | None = item.value.strip()
            if code and upper:
                code = code.upper()
            if allowed is not None:
                if code not in allowed:
                    raise self.fail(item, sub, f"unknown {what} {item.value!r}; expected one of {', '.join(allowed)}")
            elif code is None or not (COUNTRY_CODE.match(code)):
                raise self.fail(item, sub, f"{item.value!r} is not an ISO 3166-1 alpha-2 country code (two letters) "
                                           "or EU")
            if code in out:
                raise self.fail(item, sub, f"{code} is listed twice")
            out.append(code)
        return out


def _kind(node: Node | None) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode):
        return f"{node.value!r}" if node.value else "nothing"
    return "nothing"


def parse_profile(text: str, file: str = "<profile>") -> Profile:
    """Parse and check a profile. Raises InputError (exit 2) naming the file, the field and the line.

    >>> p = parse_profile("name: B\\noperates_in: [KR]\\nworkloads:\\n - {name: w, data_classes: [personal],"
    ...                   " material: false, hosting: [SG], provider: C}\\n")
    >>> (p.name, p.operates_in, p.workloads[0].hosting)
    ('B', ['KR'], ['SG'])
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(e, "problem", None) or str(e)
        raise InputError(f"YAML syntax error: {problem}", file=file, line=line) from None
    r = _Reader(file)
    if root is None:
        raise InputError("the profile is empty; it needs name, operates_in and workloads", file=file, line=1)
    top = r.mapping(root, "", TOP_KEYS)
    name = r.text(top["name"], "name")
    as_of = r.date(top["as_of"], "as_of") if "as_of" in top else None
    operates_in = r.codes(top["operates_in"], "operates_in", JURISDICTIONS, "jurisdiction", upper=True)
    workloads: list[Workload] = []
    for i, wnode in enumerate(r.items(top["workloads"], "workloads")):
        w = _workload(r, wnode, f"workloads[{i}]")
        if any(x.name == w.name for x in workloads):
            raise r.fail(wnode, f"workloads[{i}].name", f"workload name {w.name!r} is used twice")
        workloads.append(w)
    return Profile(name=name, as_of=as_of, operates_in=operates_in, workloads=workloads, path=file)


def _workload(r: _Reader, node: Node, fp: str) -> Workload:
    f = r.mapping(node, fp, WORKLOAD_KEYS)
    terms: dict[str, bool] = {}
    if "provider_terms" in f:
        tnode = f["provider_terms"]
        for key, vnode in r.mapping(tnode, f"{fp}.provider_terms", PROVIDER_TERMS_KEYS).items():
            terms[key] = r.boolean(vnode, f"{fp}.provider_terms.{key}")
    hosting = r.codes(f["hosting"], f"{fp}.hosting", None, "country", upper=True)
    return Workload(
        name=r.text(f["name"], f"{fp}.name"),
        data_classes=r.codes(f["data_classes"], f"{fp}.data_classes", DATA_CLASSES, "data class"),
        material=r.boolean(f["material"], f"{fp}.material"),
        hosting=hosting,
        provider=r.text(f["provider"], f"{fp}.provider"),
        provider_terms=terms,
        description=r.text(f["description"], f"{fp}.description") if "description" in f else "",
        line=node.start_mark.line + 1,
    )


def load_profile(path: str | Path) -> Profile:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("profile not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read profile: {e}", file=str(path)) from None
    return parse_profile(text, file=str(path))
