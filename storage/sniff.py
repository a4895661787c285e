"""Content-type sniffing from the first bytes of a file, never from its name.

Scans arrive with whatever name and Content-Type the browser invents; the only trustworthy
signal is the content. We recognise exactly the formats the agency office accepts and return
``None`` for everything else (executables, HTML, scripts, plain text), so a caller that
refuses ``None`` refuses all unknown content.

ZIP containers (OFD and DOCX)
-----------------------------
OFD (GB/T 33190) and DOCX are both ZIP files, and while streaming we only have the head of
the file, not the central directory at its end. We therefore walk the *local file headers*
found in the head (``PK\\x03\\x04`` + fixed 30-byte header + entry name) and look at the
entry names:

* ``OFD.xml`` at the root → OFD (the standard requires this entry; producers write it first).
* a ``word/`` entry together with ``[Content_Types].xml`` or ``_rels/.rels`` → DOCX
  (Word writes ``[Content_Types].xml`` first, LibreOffice writes ``_rels/.rels`` first, both
  put ``word/document.xml`` within the first few entries).

We scan for every header signature instead of hopping from header to header, because an
entry written with a data descriptor (bit 3) has no compressed size in its local header.

Limits: this decides by entry *names*, not by validating the document. A ZIP crafted to
carry those names passes (downstream code must treat every file as untrusted anyway), and a
genuine OFD/DOCX whose first :data:`SNIFF_BYTES` hold none of those names (say, a huge
image stored as the first entry) is refused — the safe side. XLSX/PPTX/ODT and other ZIPs
are refused. A signature inside compressed data could be misread as a header; that can only
add spurious names, which is why two names are required for DOCX.
"""

from __future__ import annotations

import struct

__all__ = [
    "ACCEPTED_TYPES",
    "DOCX",
    "JPEG",
    "OFD",
    "PDF",
    "PNG",
    "SNIFF_BYTES",
    "TIFF",
    "sniff",
    "sniff_complete",
]

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
OFD = "application/ofd"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: Every type :func:`sniff` can return: the scan types the office accepts.
ACCEPTED_TYPES: frozenset[str] = frozenset({PDF, JPEG, PNG, TIFF, OFD, DOCX})

#: How much of the head is needed at most to decide (only ZIPs need more than a few bytes).
SNIFF_BYTES = 64 * 1024

_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_HEADER = struct.Struct("<4s22xHH")  # signature, skip to name length, extra length
# Nothing shorter than this can be told apart from a truncated longer signature.
_MIN_HEAD = 8

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    # BigTIFF: some scanners write it for very large pages.
    (b"II+\x00", TIFF),
    (b"MM\x00+", TIFF),
)


def sniff(head: bytes | bytearray) -> str | None:
    """Return the MIME type of a file from its first bytes, or ``None`` if not accepted.

    Pass up to :data:`SNIFF_BYTES` of the head; more is ignored. A truncated signature
    (``b"%PD"``) is ``None``.
    """
    head = bytes(head[:SNIFF_BYTES])
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if head.startswith(_ZIP_LOCAL):
        return _sniff_zip(head)
    return None


def sniff_complete(head: bytes | bytearray) -> bool:
    """Whether ``head`` is enough for :func:`sniff` to give its final answer.

    Lets a streaming caller decide as soon as possible instead of always buffering
    :data:`SNIFF_BYTES`: a PDF is known after 8 bytes, a ZIP may need more of its entries.
    """
    if len(head) >= SNIFF_BYTES:
        return True
    if len(head) < _MIN_HEAD:
        return False
    if not head.startswith(_ZIP_LOCAL):
        return True
    return _sniff_zip(bytes(head)) is not None


def _zip_entry_names(head: bytes) -> list[str]:
    names: list[str] = []
    at = head.find(_ZIP_LOCAL)
    while at >= 0 and at + _ZIP_HEADER.size <= len(head):
        _, name_len, _extra_len = _ZIP_HEADER.unpack_from(head, at)
        start = at + _ZIP_HEADER.size
        raw = head[start : start + name_len]
        if len(raw) == name_len:
            # Names are UTF-8 (flag bit 11) or CP437; the names we look for are ASCII.
            names.append(raw.decode("utf-8", "replace"))
        at = head.find(_ZIP_LOCAL, at + 4)
    return names


def _sniff_zip(head: bytes) -> str | None:
    names = _zip_entry_names(head)
    if any(name.lower() == "ofd.xml" for name in names):
        return OFD
    has_word = any(name.startswith("word/") for name in names)
    has_package = any(name in ("[Content_Types].xml", "_rels/.rels") for name in names)
    if has_word and has_package:
        return DOCX
    return None
