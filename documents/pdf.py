"""DOCX → PDF with LibreOffice, when it is installed.

Each conversion runs ``soffice --headless`` in a fresh temporary directory with its own user
profile (``-env:UserInstallation``): two conversions sharing a profile block on its lock file or
hand the document to the wrong running instance. The process is started in its own session so a
timeout kills soffice.bin too, not only the ``soffice`` launcher script.

Chinese prints only if a CJK font is installed (Debian: fonts-noto-cjk); without one LibreOffice
draws boxes while text extraction still looks fine, which is why the tests check embedded fonts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

__all__ = [
    "PdfConversionError",
    "PdfError",
    "PdfUnavailable",
    "pdf_available",
    "soffice_path",
    "to_pdf",
]

# Where LibreOffice lands when it is not on PATH (distribution packages, the official tarball, macOS).
_KNOWN_LOCATIONS = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
_ENV_OVERRIDE = "AGENCY_SOFFICE"


class PdfError(Exception):
    """No PDF could be produced."""


class PdfUnavailable(PdfError):
    """LibreOffice is not installed here; offer the DOCX instead."""


class PdfConversionError(PdfError):
    """LibreOffice ran but did not produce a PDF (crash, timeout, unreadable input)."""


def soffice_path() -> str | None:
    """The LibreOffice executable: ``$AGENCY_SOFFICE``, then PATH, then the usual install places."""
    override = os.environ.get(_ENV_OVERRIDE)
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _KNOWN_LOCATIONS if os.access(p, os.X_OK)), None)


def pdf_available() -> bool:
    return soffice_path() is not None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        if process.returncode is None:
            process.kill()


def to_pdf(docx_bytes: bytes, *, timeout: float = 60) -> bytes:
    """Convert a .docx to PDF. Blocking (seconds): call it from a worker thread or a job.

    Raises ``PdfUnavailable`` when LibreOffice is not installed and ``PdfConversionError`` when the
    conversion fails or takes longer than ``timeout`` seconds (the process is killed).
    """
    executable = soffice_path()
    if executable is None:
        raise PdfUnavailable(
            "LibreOffice (soffice) is not installed, so no PDF can be made: install the Debian "
            "packages libreoffice-writer-nogui and fonts-noto-cjk, or set AGENCY_SOFFICE to the "
            "soffice executable"
        )
    with tempfile.TemporaryDirectory(prefix="agency-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        outdir = work / "out"
        command = [
            executable,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            str(source),
        ]
        # HOME inside the temp dir: some builds still write ~/.config even with UserInstallation.
        env = {**os.environ, "HOME": str(work)}
        process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell, executable found above
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work,
            env=env,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Killed while the launcher is still unreaped, so the group id cannot have been reused.
            _kill_group(process)
            process.communicate()
            raise PdfConversionError(
                f"LibreOffice did not finish the conversion within {timeout:g} s and was stopped"
            ) from None
        result = outdir / "document.pdf"
        if process.returncode != 0 or not result.is_file():
            detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
            raise PdfConversionError(
                f"LibreOffice failed to convert the document (exit {process.returncode}): {detail}"
            )
        return result.read_bytes()
