"""What a new catalog version changes against the current one: items, routes and departments added, changed
(with the fields that changed) and removed. Pure functions over the stored definitions (plain dicts), used
both by the import and by its dry run, so the preview shows exactly what the import will record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The department columns an import sets (doc_prefix only when the file gives one: absent, the admin's stays).
DEPARTMENT_FIELDS = ("name", "mode", "contacts", "kind", "reconsideration_body", "court", "doc_prefix")


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[str]]:
    """Codes added, changed, removed and unchanged, each sorted."""
    return {
        "added": sorted(set(new) - set(old)),
        "changed": sorted(code for code in set(new) & set(old) if new[code] != old[code]),
        "removed": sorted(set(old) - set(new)),
        "unchanged": sorted(code for code in set(new) & set(old) if new[code] == old[code]),
    }


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each code in both whose definition differs: its top-level fields that differ, in the new order."""
    out: dict[str, list[str]] = {}
    for code in sorted(set(old) & set(new)):
        before, after = old[code], new[code]
        if before == after:
            continue
        keys = [*after, *(k for k in before if k not in after)]
        out[code] = [k for k in keys if before.get(k) != after.get(k)]
    return out


def list_changes(before: list[dict[str, Any]] | None, after: list[dict[str, Any]] | None,
                 key: str = "code") -> dict[str, list[str]]:
    """A list of coded entries (materials, fees, obligations, route items): which were added, removed, changed."""
    old = {str(e.get(key)): e for e in before or [] if isinstance(e, dict)}
    new = {str(e.get(key)): e for e in after or [] if isinstance(e, dict)}
    return {"added": [c for c in new if c not in old], "removed": [c for c in old if c not in new],
            "changed": [c for c in new if c in old and new[c] != old[c]]}


def department_values(department: Mapping[str, Any]) -> dict[str, Any]:
    """The columns an imported department (its to_builtins form) sets; contacts without empty e-mails, so that a
    contact kept by the departments page (no e-mail key) equals the same contact read from a file."""
    values = {key: department.get(key) for key in DEPARTMENT_FIELDS}
    values["contacts"] = clean_contacts(values["contacts"])
    if values["doc_prefix"] is None:
        del values["doc_prefix"]
    return values


def clean_contacts(contacts: Any) -> Any:
    if not isinstance(contacts, dict):
        return contacts
    return {level: {k: v for k, v in person.items() if v is not None} if isinstance(person, dict) else person
            for level, person in contacts.items()}


def department_changes(current: Mapping[str, Mapping[str, Any]],
                       incoming: list[dict[str, Any]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """({added, changed}, {code: fields}) of the file's departments against the current rows (as dicts)."""
    added: list[str] = []
    changed: list[str] = []
    fields: dict[str, list[str]] = {}
    for department in incoming:
        code = str(department["code"])
        values = department_values(department)
        row = current.get(code)
        if row is None:
            added.append(code)
            continue
        differ = [key for key, value in values.items()
                  if (clean_contacts(row.get(key)) if key == "contacts" else row.get(key)) != value]
        if differ:
            changed.append(code)
            fields[code] = differ
    return {"added": added, "changed": changed}, fields
