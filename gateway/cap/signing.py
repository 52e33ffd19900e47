"""Enveloped XML signatures on CAP 1.2 alerts: signing and verification.

One profile, both ways: the ``Signature`` is the last child of ``alert``, with
exclusive canonicalization (without comments), RSA-SHA256 or ECDSA-SHA256, one
SHA-256 ``Reference`` to the whole document (URI "") and the signer's X.509
certificate in ``KeyInfo``. Anything else is refused before any cryptography.
What a verification returns to store is our own UTF-8 serialization of the
hardened parse (comments and processing instructions dropped); the signature is
checked over exactly those bytes, and what they read as must equal what was
signed.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.cap.document import element_path, load_tree, make_hardened_parser
from gateway.cap.errors import SignatureError, UnsupportedVersion
from gateway.cap.model import CAP12_NAMESPACE, Alert
from gateway.cap.reader import read_alert
from gateway.cap.truststore import TrustStore, fingerprint, require_valid, subject_of

logger = logging.getLogger(__name__)

DS = "{http://www.w3.org/2000/09/xmldsig#}"
ALERT_TAG = "{" + CAP12_NAMESPACE + "}alert"
EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
ENVELOPED = SignatureConstructionMethod.enveloped.value
ACCEPTED_METHODS = {
    SignatureMethod.RSA_SHA256.value: "RSA-SHA256",
    SignatureMethod.ECDSA_SHA256.value: "ECDSA-SHA256",
}
ACCEPTED_DIGEST = DigestAlgorithm.SHA256.value
REQUIRED_TRANSFORMS = [ENVELOPED, EXC_C14N.value]
MIN_RSA_BITS = 2048
FIX_METHOD = "sign with RSA-SHA256 or ECDSA-SHA256"
FIX_TRANSFORMS = (
    "re-sign with exactly the enveloped-signature transform followed by "
    f"exclusive canonicalization ({EXC_C14N.value})"
)


@dataclass(frozen=True, slots=True)
class VerifiedMessage:
    """A message whose signature checked out, and what to keep of it.

    ``data`` is what to store and republish: the signed message in UTF-8 with
    its signature, without comments or processing instructions. ``root`` is our
    hardened parse of ``data`` and ``alert`` its model.
    """

    data: bytes
    root: Any
    alert: Alert
    signer_subject: str
    signer_fingerprint: str


def sign_message(
    data: bytes, key_pem: bytes, cert_pem: bytes, key_password: bytes | None = None
) -> bytes:
    """Return ``data`` with an enveloped signature, as UTF-8 with a declaration.

    ``cert_pem`` holds the signer's certificate, optionally followed by the
    certificates of its issuers; all of them go into ``KeyInfo``. A message that
    is unsafe, not CAP 1.2, invalid or already signed is refused (``CapError``).
    """
    root = load_tree(data)
    _require_alert(root)
    if root.find(f".//{DS}Signature") is not None:
        raise SignatureError(
            "The message is already signed; sign the unsigned original instead, "
            "since a CAP message carries one signature",
            code="already-signed",
        )
    read_alert(root)

    key = _load_private_key(key_pem, key_password)
    chain = _load_certificate_chain(cert_pem)
    _require_matching_pair(key, chain[0])
    require_valid(chain[0], datetime.now(UTC), "The signing certificate")

    signed = _sign_tree(root, key, chain)
    _check_profile(_find_signature(signed))
    logger.info(
        "signed cap_identifier=%s signer=%s",
        root.findtext("{" + CAP12_NAMESPACE + "}identifier"),
        fingerprint(chain[0]),
    )
    return _serialize(signed)


def verify_message(
    data: bytes, trust: TrustStore, *, at: datetime | None = None
) -> VerifiedMessage:
    """Check the message's signature against ``trust`` and return what to keep.

    ``at`` is when the certificates must be valid (default: now). Raises
    ``SignatureError`` for any signature or trust problem, or another
    ``CapError`` when the XML is unsafe or not a valid CAP 1.2 alert.
    """
    root = load_tree(data)
    _require_alert(root)
    signature = _find_signature(root)
    _check_profile(signature)
    signer = _embedded_certificates(signature)[0]
    trust.check_signer(signer, at)

    stored = _serialize(root)
    result = _verify_signature(stored, signer, at)
    kept = load_tree(stored)
    alert = _require_same_content(stored, kept, result)
    logger.info(
        "verified cap_identifier=%s signer=%s", alert.identifier, fingerprint(signer)
    )
    return VerifiedMessage(
        data=stored,
        root=kept,
        alert=alert,
        signer_subject=subject_of(signer),
        signer_fingerprint=fingerprint(signer),
    )


def _require_alert(root: Any) -> None:
    if root.tag != ALERT_TAG:
        raise UnsupportedVersion(
            f"The document's root is {root.tag}, not a CAP 1.2 alert "
            f"({ALERT_TAG}); only CAP 1.2 alerts are signed and verified here",
            code="not-cap12",
        )


def _find_signature(root: Any) -> Any:
    """The one ``Signature``, which must be the last child of ``alert``."""
    signatures = root.findall(f".//{DS}Signature")
    if not signatures:
        raise SignatureError(
            "The message is not signed; ask the sender to sign it, or accept "
            "unsigned messages from this source",
            code="not-signed",
        )
    if len(signatures) > 1:
        raise SignatureError(
            f"The message has {len(signatures)} Signature elements; a CAP message "
            "carries exactly one, as the last child of alert",
            code="many-signatures",
        )
    signature = signatures[0]
    if signature.getparent() is not root or signature.getnext() is not None:
        raise SignatureError(
            f"The Signature is at {element_path(signature)}, but it must be the "
            "last child of alert; sign the whole alert with an enveloped signature",
            code="signature-misplaced",
        )
    return signature


def _check_profile(signature: Any) -> None:
    """Refuse any signature outside the one profile this gateway accepts."""
    signed_info = _only_child(signature, "SignedInfo")
    _check_canonicalization(_only_child(signed_info, "CanonicalizationMethod"))
    _check_signature_method(_only_child(signed_info, "SignatureMethod"))

    references = signed_info.findall(f"{DS}Reference")
    if len(references) != 1:
        raise SignatureError(
            f"The signature has {len(references)} References; exactly one, with "
            'URI "" covering the whole alert, is accepted',
            code="reference-count",
        )
    _check_reference(references[0])
    if signature.find(f"{DS}Object") is not None:
        raise SignatureError(
            "The signature carries an Object element, which is refused; an "
            "enveloped signature of the alert needs none, so remove it",
            code="signature-object",
        )


def _only_child(parent: Any, name: str) -> Any:
    children = parent.findall(DS + name)
    if len(children) != 1:
        raise SignatureError(
            f"The signature needs exactly one {name} in "
            f"{etree.QName(parent).localname}, found {len(children)}",
            code="signature-malformed",
        )
    return children[0]


def _check_canonicalization(method: Any) -> None:
    algorithm = method.get("Algorithm")
    if algorithm != EXC_C14N.value:
        raise SignatureError(
            f"The signature canonicalizes with {algorithm}, which is refused; "
            f"use exclusive canonicalization without comments ({EXC_C14N.value})",
            code="canonicalization-refused",
        )
    _refuse_parameters(method)


def _check_signature_method(method: Any) -> None:
    algorithm = method.get("Algorithm") or ""
    if algorithm in ACCEPTED_METHODS:
        return
    name = algorithm.rpartition("#")[2].upper() or "no algorithm"
    raise SignatureError(
        f"The signature uses {name}, which is refused{_why_refused(name)}; "
        f"{FIX_METHOD}",
        code="signature-method-refused",
    )


def _why_refused(name: str) -> str:
    if "SHA1" in name:
        return " because SHA-1 is broken"
    if name.startswith("HMAC"):
        return " because a shared secret cannot show who sent the message"
    if name.startswith("DSA"):
        return " because DSA is obsolete"
    return ""


def _check_reference(reference: Any) -> None:
    uri = reference.get("URI")
    if uri != "":
        shown = "missing" if uri is None else f'"{uri}"'
        raise SignatureError(
            f'The Reference URI is {shown}; only URI "" (the whole alert) is '
            "accepted, so sign the alert element itself",
            code="reference-uri",
        )
    transforms = reference.findall(f"{DS}Transforms/{DS}Transform")
    algorithms = [transform.get("Algorithm") for transform in transforms]
    if EXC_C14N.value + "WithComments" in algorithms:
        raise SignatureError(
            "The Reference canonicalizes with comments, which is refused; "
            + FIX_TRANSFORMS,
            code="transform-refused",
        )
    if algorithms != REQUIRED_TRANSFORMS:
        raise SignatureError(
            f"The Reference has the transforms {algorithms}, which are refused; "
            + FIX_TRANSFORMS,
            code="transform-refused",
        )
    for transform in transforms:
        _refuse_parameters(transform)
    _check_digest_method(_only_child(reference, "DigestMethod"))


def _refuse_parameters(method: Any) -> None:
    if len(method):
        raise SignatureError(
            f"The signature's {etree.QName(method).localname} has parameters "
            f"({etree.QName(method[0]).localname}), which are refused; "
            + FIX_TRANSFORMS,
            code="transform-parameters",
        )


def _check_digest_method(method: Any) -> None:
    algorithm = method.get("Algorithm") or ""
    if algorithm == ACCEPTED_DIGEST:
        return
    name = algorithm.rpartition("#")[2].upper() or "no algorithm"
    raise SignatureError(
        f"The Reference digest is {name}, which is refused{_why_refused(name)}; "
        f"use SHA-256 ({ACCEPTED_DIGEST})",
        code="digest-refused",
    )


def _embedded_certificates(signature: Any) -> list[x509.Certificate]:
    """The certificates in ``KeyInfo``, the signer's first."""
    path = f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate"
    elements = signature.findall(path)
    if not elements:
        raise SignatureError(
            "The signature carries no certificate in KeyInfo/X509Data; sign with "
            "an X.509 certificate so it can be checked against the trust store",
            code="no-certificate",
        )
    try:
        return [
            x509.load_der_x509_certificate(
                base64.b64decode("".join((element.text or "").split()), validate=True)
            )
            for element in elements
        ]
    except (ValueError, binascii.Error) as exc:
        raise SignatureError(
            f"The signature's X509Certificate cannot be read ({exc}); it must be "
            "a base64 DER certificate",
            code="certificate-unreadable",
        ) from exc


def _verify_signature(
    stored: bytes, signer: x509.Certificate, at: datetime | None
) -> Any:
    """Check digest and signature value with signxml; return its result."""
    config = SignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=frozenset(SignatureMethod(uri) for uri in ACCEPTED_METHODS),
        digest_algorithms=frozenset({DigestAlgorithm(ACCEPTED_DIGEST)}),
        verification_time=at,
    )
    try:
        return XMLVerifier().verify(
            stored,
            x509_cert=signer,
            expect_config=config,
            parser=make_hardened_parser(),
        )
    except InvalidDigest as exc:
        raise SignatureError(
            "The message was changed after it was signed (the digest does not "
            "match); get the original message from the sender",
            code="digest-mismatch",
        ) from exc
    except InvalidSignature as exc:
        raise SignatureError(
            f"The signature does not verify with the signer's certificate ({exc}); "
            "the signature was altered or made with another key",
            code="signature-mismatch",
        ) from exc
    except (SignXMLException, ValueError, etree.LxmlError) as exc:
        raise SignatureError(
            f"The signature could not be checked: {exc}", code="signature-invalid"
        ) from exc


def _require_same_content(stored: bytes, kept: Any, result: Any) -> Alert:
    """The stored message must read exactly as what the signature covers."""
    unsigned = load_tree(stored)
    _detach(_find_signature(unsigned))
    ours = etree.tostring(unsigned, method="c14n", exclusive=True, with_comments=False)
    if result.signed_xml is None or ours != result.signed_data:
        raise _content_mismatch()

    alert = read_alert(kept)
    if read_alert(result.signed_xml) != alert:
        raise _content_mismatch()
    return alert


def _content_mismatch() -> SignatureError:
    return SignatureError(
        "The message reads differently from what its signature covers; it may "
        "have been wrapped or rearranged after signing, so get the original "
        "from the sender",
        code="signed-content-mismatch",
    )


def _detach(element: Any) -> None:
    """Remove ``element`` but keep the text that follows it."""
    parent = element.getparent()
    previous = element.getprevious()
    tail = element.tail or ""
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _load_private_key(
    key_pem: bytes, password: bytes | None
) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    try:
        key = load_pem_private_key(key_pem, password=password)
    except TypeError as exc:
        hint = "give its password" if password is None else "give no password"
        raise SignatureError(
            f"The private key could not be opened ({exc}); {hint}",
            code="key-password",
        ) from exc
    except ValueError as exc:
        raise SignatureError(
            "The private key could not be read; give a PEM private key and, if it "
            "is encrypted, the right password",
            code="key-unreadable",
        ) from exc

    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise SignatureError(
                f"The RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} "
                "are required, so generate a larger key",
                code="key-too-small",
            )
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key
    raise SignatureError(
        f"The private key is {type(key).__name__}, which cannot make the accepted "
        "signatures; use an RSA (2048+ bits) or ECDSA key",
        code="key-type",
    )


def _load_certificate_chain(cert_pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(cert_pem)
    except ValueError as exc:
        raise SignatureError(
            "The certificate could not be read; give a PEM file with "
            "'-----BEGIN CERTIFICATE-----', the signer's certificate first",
            code="certificate-unreadable",
        ) from exc


def _require_matching_pair(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, certificate: x509.Certificate
) -> None:
    def spki(public: Any) -> bytes:
        return bytes(
            public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        )

    if spki(key.public_key()) != spki(certificate.public_key()):
        raise SignatureError(
            f"The private key does not belong to the certificate (subject "
            f"{subject_of(certificate)}); give the certificate issued for this key",
            code="key-certificate-mismatch",
        )


def _sign_tree(
    root: Any,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    chain: list[x509.Certificate],
) -> Any:
    method = (
        SignatureMethod.RSA_SHA256
        if isinstance(key, rsa.RSAPrivateKey)
        else SignatureMethod.ECDSA_SHA256
    )
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=EXC_C14N,
    )
    try:
        return signer.sign(root, key=key, cert=chain)
    except (SignXMLException, ValueError) as exc:
        raise SignatureError(
            f"The message could not be signed: {exc}", code="signing-failed"
        ) from exc


def _serialize(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
