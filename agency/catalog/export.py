"""The current catalog written back as the YAML the importer reads (docs/catalog-format.md).

Round trip: importing the downloaded file changes nothing. Each value goes through the format's own Structs
first, so the text holds exactly what an import would store; fields left at their default are left out, so
the file reads like a hand-written one (short mappings on one line, long texts as ``|-`` blocks).
"""

from __future__ import annotations

from typing import Any

import msgspec
import yaml

from agency.catalog.format_model import CatalogFile, CatalogStruct, Contact, Limit, Thresholds

# Mappings written on one line, as in the demo catalog: a limit, a contact, a route item, a material …
_FLOW_KEYS = frozenset({"statutory_limit", "promised_limit", "large", "medium_and_small", "amount_rule",
                        "external_codes", "chief_representative", "leader_in_charge", "main_leader"})
_FLOW_LISTS = frozenset({"materials", "citations", "items", "milestones", "stages", "accepted_types", "after"})
_FLOW_TYPES = (Limit, Contact, Thresholds)


class _Flow(dict[str, Any]):
    """A mapping the dumper writes on one line."""


class _FlowList(list[Any]):
    """A list of scalars the dumper writes on one line: [pdf, docx]."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Multi-line texts (conditions, procedure …) as literal blocks, the way an admin writes them.
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_str(text)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m, flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, s: d.represent_sequence("tag:yaml.org,2002:seq", s, flow_style=True))


def plain(struct: CatalogStruct, key: str = "") -> dict[str, Any]:
    """The struct's fields in declaration order, defaults left out, nested structs likewise."""
    out: dict[str, Any] = {}
    for field in msgspec.structs.fields(struct):
        value = getattr(struct, field.name)
        if not field.required and value == _default(field):
            continue
        if field.required and value is None:
            out[field.encode_name] = None  # e.g. statutory_limit: null — the law sets no limit
            continue
        out[field.encode_name] = _value(value, field.encode_name)
    flow = key in _FLOW_KEYS or isinstance(struct, _FLOW_TYPES) or key in _FLOW_LISTS
    return _Flow(out) if flow and not any(isinstance(v, str) and "\n" in v for v in out.values()) else out


def _default(field: msgspec.structs.FieldInfo) -> Any:
    if field.default_factory is not msgspec.NODEFAULT:
        return field.default_factory()
    return field.default


def _value(value: Any, key: str) -> Any:
    if isinstance(value, CatalogStruct):
        return plain(value, key)
    if isinstance(value, list):
        items = [_value(v, key) for v in value]
        return _FlowList(items) if all(not isinstance(v, dict) for v in items) else items
    if isinstance(value, dict):
        return _Flow(value) if key in _FLOW_KEYS else dict(value)
    return value


def catalog_yaml(catalog: CatalogFile, *, heading: str) -> str:
    """The catalog as YAML text, with a comment heading saying where it came from."""
    document: dict[str, Any] = {"version": catalog.version, "effective_from": catalog.effective_from}
    for key in ("departments", "items", "routes"):
        document[key] = [plain(entry) for entry in getattr(catalog, key)]
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in heading.splitlines())
    body = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110, indent=2)
    return comment + "\n" + body
