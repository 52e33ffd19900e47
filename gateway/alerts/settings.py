"""What publishing needs from configuration, passed in by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from gateway.cap.identifiers import DEFAULT_PREFIX
from gateway.cap.truststore import TrustStore


@dataclass(frozen=True, slots=True)
class PublishSettings:
    """The office's CAP sender, identifier prefix, signing key and trust store."""

    sender: str
    timezone: tzinfo
    identifier_prefix: str = DEFAULT_PREFIX
    signing_key_pem: bytes | None = None
    signing_cert_pem: bytes | None = None
    signing_key_password: bytes | None = None
    trust_store: TrustStore | None = None
    # The public address of the gateway; office alerts link their page there.
    public_url: str | None = None
