"""Keys and certificates made at test time for the signature tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Signer:
    """A private key and its certificate, in memory and as PEM files."""

    key: PrivateKey
    certificate: x509.Certificate
    key_path: Path
    cert_path: Path

    @property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()

    @property
    def cert_pem(self) -> bytes:
        return self.cert_path.read_bytes()


def make_key(kind: str) -> PrivateKey:
    """A fresh ``rsa`` (2048 bits) or ``ec`` (P-256) private key."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def make_certificate(
    key: PrivateKey,
    common_name: str,
    *,
    issuer: tuple[x509.Certificate, PrivateKey] | None = None,
    ca: bool = False,
    not_before: datetime | None = None,
    days: int = 30,
) -> x509.Certificate:
    """A certificate for ``key``: self-signed, or signed by ``issuer``."""
    start = not_before or datetime.now(UTC) - timedelta(hours=1)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kentongan tests"),
        ]
    )
    issuer_name, signing_key = (
        (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(signing_key, hashes.SHA256())


def write_signer(
    directory: Path,
    name: str,
    key: PrivateKey,
    certificate: x509.Certificate,
    password: bytes | None = None,
) -> Signer:
    """Write ``name``.key.pem and ``name``.pem into ``directory``."""
    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    key_path = directory / f"{name}.key.pem"
    cert_path = directory / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)
    )
    cert_path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return Signer(key, certificate, key_path, cert_path)
