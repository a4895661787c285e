"""Builds the shipped templates (documents/templates/*.docx) with python-docx.

The .docx files are generated, not hand-edited, so a change is reviewable as code and every Jinja
tag is written in a single run. ``scripts/build_templates.py`` writes them; a test checks that the
committed files are what this package builds today.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Final

from docx.document import Document as DocumentObject

from documents.build.bulletin import ranking_bulletin
from documents.build.letters import (
    authorization_letter,
    completion_notice,
    one_time_notice,
    refusal_notice,
    supervision_notice,
)
from documents.build.notices import (
    acceptance_notice,
    commitment_letter,
    deferral_notice,
    extension_notice,
    special_procedure_notice,
    termination_notice,
)
from documents.build.office import mandate_end, mandate_pause, mandate_renewal, meeting_minutes, payment_notice
from documents.build.package import deterministic_docx
from documents.build.sheets import application_form, progress_report, registration_form, transmittal_list
from documents.forms import APPLICATION_FORMS
from documents.registry import REGISTRY, application_form_code

__all__ = ["BUILDERS", "build_all", "build_bytes"]

BUILDERS: Final[Mapping[str, Callable[[], DocumentObject]]] = {
    "authorization_letter": authorization_letter,
    "registration_form": registration_form,
    "one_time_notice": one_time_notice,
    "transmittal_list": transmittal_list,
    "supervision_notice": supervision_notice,
    "refusal_notice": refusal_notice,
    "completion_notice": completion_notice,
    "progress_report": progress_report,
    "acceptance_notice": acceptance_notice,
    "extension_notice": extension_notice,
    "special_procedure_notice": special_procedure_notice,
    "deferral_notice": deferral_notice,
    "commitment_letter": commitment_letter,
    "termination_notice": termination_notice,
    "mandate_pause": mandate_pause,
    "mandate_end": mandate_end,
    "mandate_renewal": mandate_renewal,
    "meeting_minutes": meeting_minutes,
    "payment_notice": payment_notice,
    "ranking_bulletin": ranking_bulletin,
    **{application_form_code(code): partial(application_form, spec) for code, spec in APPLICATION_FORMS.items()},
}


def build_bytes(code: str) -> bytes:
    return deterministic_docx(BUILDERS[code]())


def build_all(destination: Path) -> list[Path]:
    """Write every registered template into ``destination``; returns the paths written."""
    missing = set(REGISTRY) - set(BUILDERS)
    if missing:
        raise RuntimeError(f"no builder for templates {sorted(missing)}")
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for code, spec in REGISTRY.items():
        path = destination / spec.filename
        path.write_bytes(build_bytes(code))
        written.append(path)
    return written
