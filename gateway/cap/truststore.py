"""The certificates an operator trusts to sign CAP messages.

A trust store is a PEM file of one or more certificates, or a directory of
``.pem``/``.crt`` files. No public CA is ever consulted. A signer is trusted
when its certificate is one of these (compared by its exact DER bytes), or was
issued directly by one of them that is a CA; every certificate involved must be
within its validity dates. Only ``SignatureError`` leaves this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.cap.errors import SignatureError

CERTIFICATE_SUFFIXES = (".pem", ".crt")
PRIVATE_KEY_MARKER = b"PRIVATE KEY-----"


def fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 of the certificate's DER bytes, as lowercase hex."""
    der = certificate.public_bytes(Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def describe(certificate: x509.Certificate) -> str:
    """Subject and fingerprint, for messages to a person."""
    return f"subject {subject_of(certificate)}, SHA-256 {fingerprint(certificate)}"


def subject_of(certificate: x509.Certificate) -> str:
    """The subject as an RFC 4514 string such as ``CN=BMKG,O=BMKG,C=ID``."""
    try:
        return certificate.subject.rfc4514_string()
    except ValueError:
        return "<unreadable subject>"


@dataclass(frozen=True, slots=True)
class TrustStore:
    """Certificates trusted to sign, keyed by fingerprint."""

    certificates: tuple[x509.Certificate, ...]

    @classmethod
    def load(cls, path: str | Path) -> TrustStore:
        """Read a PEM file, or every ``.pem``/``.crt`` file of a directory."""
        path = Path(path)
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in CERTIFICATE_SUFFIXES
            )
            if not files:
                raise SignatureError(
                    f"The trust store directory {path} holds no .pem or .crt file; "
                    "put the certificates of trusted senders there",
                    code="trust-store-empty",
                )
        elif path.is_file():
            files = [path]
        else:
            raise SignatureError(
                f"The trust store {path} does not exist; give a PEM file or a "
                "directory of .pem/.crt files",
                code="trust-store-missing",
            )
        return cls(tuple(_read_certificates(files)))

    @classmethod
    def from_pem(cls, data: bytes, source: str = "the trust store") -> TrustStore:
        """Trust the certificates in one block of PEM text."""
        return cls(tuple(_parse_pem(data, source)))

    def __len__(self) -> int:
        return len(self.certificates)

    def check_signer(
        self, certificate: x509.Certificate, at: datetime | None = None
    ) -> None:
        """Raise ``SignatureError`` unless ``certificate`` may sign at ``at``."""
        at = at or datetime.now(UTC)
        if at.utcoffset() is None:
            raise ValueError(f"at must be timezone-aware, got {at.isoformat()}")
        require_valid(certificate, at, "The signing certificate")
        if self._is_pinned(certificate):
            return

        issuers = list(self._issuers_of(certificate))
        if any(_is_valid_at(issuer, at) for issuer in issuers):
            return
        if issuers:
            require_valid(issuers[0], at, "The trusted CA certificate")
        raise SignatureError(
            f"The message is signed with a certificate that is not trusted "
            f"({describe(certificate)}); if the sender is genuine, add its "
            "certificate or its issuing CA to the trust store",
            code="signer-untrusted",
        )

    def _is_pinned(self, certificate: x509.Certificate) -> bool:
        wanted = fingerprint(certificate)
        return any(fingerprint(trusted) == wanted for trusted in self.certificates)

    def _issuers_of(self, certificate: x509.Certificate) -> Iterator[x509.Certificate]:
        """Trusted CA certificates whose signature on ``certificate`` verifies."""
        for candidate in self.certificates:
            if candidate.subject != certificate.issuer or not _is_ca(candidate):
                continue
            try:
                certificate.verify_directly_issued_by(candidate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            yield candidate


def _read_certificates(files: Iterable[Path]) -> Iterator[x509.Certificate]:
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise SignatureError(
                f"The trust store file {file} cannot be read ({exc.strerror}); "
                "check its permissions",
                code="trust-store-unreadable",
            ) from exc
        yield from _parse_pem(data, str(file))


def _parse_pem(data: bytes, source: str) -> list[x509.Certificate]:
    if PRIVATE_KEY_MARKER in data:
        raise SignatureError(
            f"{source} contains a private key; a trust store needs only "
            "certificates, so remove the key and keep it secret",
            code="trust-store-private-key",
        )
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise SignatureError(
            f"{source} holds no readable PEM certificate ({exc}); it must "
            "contain '-----BEGIN CERTIFICATE-----' blocks",
            code="trust-store-invalid",
        ) from exc
    return certificates


def _is_ca(certificate: x509.Certificate) -> bool:
    """A CA certificate that is allowed to sign other certificates."""
    try:
        constraints = certificate.extensions.get_extension_for_class(
            x509.BasicConstraints
        ).value
    except x509.ExtensionNotFound:
        return False
    if not constraints.ca:
        return False
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.key_cert_sign


def _is_valid_at(certificate: x509.Certificate, at: datetime) -> bool:
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc


def require_valid(certificate: x509.Certificate, at: datetime, what: str) -> None:
    """Raise ``SignatureError`` unless ``certificate`` is valid at ``at``."""
    if at < certificate.not_valid_before_utc:
        raise SignatureError(
            f"{what} ({describe(certificate)}) is not valid until "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; check the "
            "clock, or ask the sender to sign with a certificate valid now",
            code="certificate-not-yet-valid",
        )
    if at > certificate.not_valid_after_utc:
        raise SignatureError(
            f"{what} ({describe(certificate)}) expired on "
            f"{certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; the sender "
            "must sign with a current certificate (and the operator trust it)",
            code="certificate-expired",
        )
