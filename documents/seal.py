"""Sealing papers: a PAdES signature with a visible seal (pyHanko), and checking one.

A signer is one small interface (``Signer``): ``PadesSigner`` signs with a key from a PKCS#12 file; a
vendor's signing service for the Chinese e-seal standards (GB/T 38540, SM2) would be another implementation
of the same two members. pyHanko signs as an incremental update: whatever goes on the page (the
verification code, the QR code) is put there before, never after.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from documents.seal_block import seal_place

if TYPE_CHECKING:
    from PIL import Image

DEMO_NOTE = "演示用印章，无法律效力"
SEAL_FIELD = "Seal"
_CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


class SealError(Exception):
    """A signature could not be made (bad key file or password, a PDF pyHanko cannot read)."""


class Signer(Protocol):
    """Who seals a paper: the one interface a vendor's signer (GB/T 38540, SM2) would implement too. ``name`` is
    what a check of the signature reports as the signer, ``certificate`` (DER) what it is checked against."""

    @property
    def name(self) -> str: ...

    @property
    def certificate(self) -> bytes: ...

    def sign(self, pdf: bytes, *, reason: str, location: str) -> bytes: ...


class PadesSigner:
    """A PAdES baseline signature with a key and certificate from a PKCS#12 file, drawn as a seal naming
    ``seal_text`` (the key's owner: the center, or a department with a key of its own) at the paper's seal
    block (``documents/seal_block.py``)."""

    def __init__(self, p12: bytes, password: str | None, *, seal_text: str, demo: bool = False) -> None:
        from pyhanko.sign import signers

        try:
            self._signer = signers.SimpleSigner.load_pkcs12_data(
                p12, other_certs=[], passphrase=password.encode() if password else None)
        except Exception as error:  # pyHanko wraps every reading problem differently
            raise SealError(f"cannot read the PKCS#12 seal key: {error}") from None
        if self._signer is None or self._signer.signing_cert is None:
            raise SealError("cannot read the PKCS#12 seal key (wrong password?)")
        self._seal_text = seal_text
        self._demo = demo

    @property
    def name(self) -> str:
        return signer_name(self._signer.signing_cert.dump())

    @property
    def certificate(self) -> bytes:
        """The signing certificate (DER): the trust root to check the demo's papers against."""
        return bytes(self._signer.signing_cert.dump())

    def sign(self, pdf: bytes, *, reason: str, location: str) -> bytes:
        """``location`` is the issuer named on the paper: the seal goes to the block that names it."""
        from pyhanko.pdf_utils import images
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import StaticStampStyle

        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            place = seal_place(pdf, (location, self._seal_text))
            spec = fields.SigFieldSpec(SEAL_FIELD, on_page=place.page, box=place.box)
            meta = signers.PdfSignatureMetadata(field_name=SEAL_FIELD, reason=reason, location=location,
                                                subfilter=fields.SigSeedSubFilter.PADES)
            style = StaticStampStyle(background=images.PdfImage(seal_image(self._seal_text, demo=self._demo)),
                                     background_opacity=1.0, border_width=0)
            out = signers.PdfSigner(meta, signer=self._signer, new_field_spec=spec,
                                    stamp_style=style).sign_pdf(writer)
        except SealError:
            raise
        except Exception as error:
            raise SealError(f"signing failed: {error}") from None
        return bytes(out.getvalue())


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """What a PDF's last signature says: ``valid`` means intact, covering the whole file and made with a
    certificate that chains to one of the trust roots."""

    signed: bool
    valid: bool
    signer: str | None


def check_signature(pdf: bytes, trust_roots: list[bytes]) -> SignatureCheck:
    """The PDF's signature checked with pyHanko's validator against ``trust_roots`` (DER certificates).

    Synchronous, and it runs an event loop of its own (pyHanko's): call it in a thread from async code."""
    from asn1crypto import x509  # type: ignore[import-untyped]
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:
        return SignatureCheck(signed=False, valid=False, signer=None)
    if not signatures:
        return SignatureCheck(signed=False, valid=False, signer=None)
    signature = signatures[-1]
    try:
        context = ValidationContext(trust_roots=[x509.Certificate.load(root) for root in trust_roots])
        status = validate_pdf_signature(signature, context)
    except Exception:
        return SignatureCheck(signed=True, valid=False, signer=None)
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    signer = signer_name(status.signing_cert.dump()) if status.signing_cert is not None else None
    return SignatureCheck(signed=True, valid=bool(status.bottom_line and whole),
                          signer=signer)


def signer_name(certificate_der: bytes) -> str:
    """The certificate subject's organisation and common name, as a person reads them."""
    from asn1crypto import x509

    subject = x509.Certificate.load(certificate_der).subject.native
    parts = [subject.get("organization_name"), subject.get("common_name")]
    return " ".join(str(part) for part in parts if part) or "（未具名）"


def demo_pkcs12(organisation: str, password: str, *, now: datetime | None = None) -> bytes:
    """A self-signed seal certificate for the demo and the tests, named as a demo in its common name."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, DEMO_NOTE)])
    start = (now or datetime.now(UTC)) - timedelta(days=1)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(start)
                   .not_valid_after(start + timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                key_cert_sign=True, crl_sign=False, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        b"demo-seal", key, certificate, None, serialization.BestAvailableEncryption(password.encode()))


def certificate_of(p12: bytes, password: str | None) -> bytes:
    """The certificate (DER) of a PKCS#12 file."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    try:
        _, certificate, _ = pkcs12.load_key_and_certificates(p12, password.encode() if password else None)
    except ValueError as error:
        raise SealError(f"cannot read the PKCS#12 seal key: {error}") from None
    if certificate is None:
        raise SealError("the PKCS#12 file holds no certificate")
    return certificate.public_bytes(Encoding.DER)


def seal_image(text: str, *, demo: bool) -> Image.Image:
    """The seal drawn: a red ring, a star and the issuer's name (a PIL image). A demo seal says so across."""
    from PIL import ImageDraw, ImageFont

    size = 400
    image = _new_image("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 20, 255)
    draw.ellipse((10, 10, size - 10, size - 10), outline=red, width=14)
    centre = size / 2
    points = [(centre + 60 * math.cos(math.radians(a)), centre + 10 - 60 * math.sin(math.radians(a)))
              for a in range(90, 450, 72)]
    draw.polygon([points[i] for i in (0, 2, 4, 1, 3)], fill=red)
    font_path = next((p for p in _CJK_FONTS if Path(p).exists()), None)

    def font(points: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return ImageFont.truetype(font_path, points) if font_path else ImageFont.load_default()

    draw.text((centre, 105), text[:12], fill=red, font=font(30 if len(text) <= 8 else 24), anchor="mm")
    if demo:
        draw.text((centre, 285), "演示用印章", fill=red, font=font(36), anchor="mm")
        draw.text((centre, 330), "无法律效力", fill=red, font=font(30), anchor="mm")
    return image



def _new_image(mode: str, size: tuple[int, int], colour: tuple[int, int, int, int]) -> Image.Image:
    from PIL import Image

    return Image.new(mode, size, colour)
