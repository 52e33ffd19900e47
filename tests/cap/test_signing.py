"""Signing and verifying CAP alerts, cross-checked with the xmlsec1 tool."""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import XMLSigner

from gateway.cap import signing
from gateway.cap.errors import SignatureError, UnsafeXml, UnsupportedVersion
from gateway.cap.signing import VerifiedMessage, sign_message, verify_message
from gateway.cap.truststore import TrustStore
from tests.cap.signing_keys import (
    PrivateKey,
    Signer,
    make_certificate,
    make_key,
    write_signer,
)

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
EXC_C14N_COMMENTS = (
    CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0_WITH_COMMENTS
)
ENVELOPED = SignatureConstructionMethod.enveloped.value

MakeSigner = Callable[..., Signer]


def make_alert_xml(
    sender: str = "bpbd@jabarprov.example.org", event: str = "Gempa bumi"
) -> bytes:
    """A minimal valid CAP 1.2 alert with one info and one area."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="{CAP}">
  <identifier>KTG-2025-0001</identifier>
  <sender>{sender}</sender>
  <sent>2025-06-01T09:30:00+07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>id-ID</language>
    <category>Geo</category>
    <event>{event}</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Gempa M5,6 di Kabupaten Cianjur</headline>
    <area>
      <areaDesc>Kabupaten Cianjur, Jawa Barat</areaDesc>
      <circle>-6.82,107.14 25</circle>
    </area>
  </info>
</alert>
""".encode()


def ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def cap(name: str) -> str:
    return f"{{{CAP}}}{name}"


def edited(data: bytes, change: Callable[[Any], None]) -> bytes:
    """Apply ``change`` to the parsed message and serialize it again."""
    root = etree.fromstring(data)
    change(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def refusal(data: bytes, trust: TrustStore, **options: Any) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        verify_message(data, trust, **options)
    return caught.value


@pytest.fixture(scope="module")
def keys() -> dict[str, PrivateKey]:
    return {"rsa": make_key("rsa"), "ec": make_key("ec"), "other": make_key("rsa")}


@pytest.fixture
def make_signer(keys: dict[str, PrivateKey], tmp_path: Path) -> MakeSigner:
    def make(
        name: str = "bpbd",
        kind: str = "rsa",
        common_name: str = "BPBD Jawa Barat",
        **options: Any,
    ) -> Signer:
        key = keys[kind]
        certificate = make_certificate(key, common_name, **options)
        return write_signer(tmp_path, name, key, certificate)

    return make


@pytest.fixture
def signer(make_signer: MakeSigner) -> Signer:
    return make_signer()


@pytest.fixture
def trust(signer: Signer) -> TrustStore:
    return TrustStore.load(signer.cert_path)


@pytest.fixture
def signed(signer: Signer) -> bytes:
    return sign_message(make_alert_xml(), signer.key_pem, signer.cert_pem)


# Signing and verifying


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_signed_message_verifies_and_reads_back(
    make_signer: MakeSigner, kind: str
) -> None:
    signer = make_signer(kind=kind)

    data = sign_message(make_alert_xml(), signer.key_pem, signer.cert_pem)
    verified = verify_message(data, TrustStore.load(signer.cert_path))

    der = signer.certificate.public_bytes(Encoding.DER)
    assert isinstance(verified, VerifiedMessage)
    assert verified.alert.identifier == "KTG-2025-0001"
    assert verified.alert.infos[0].event == "Gempa bumi"
    assert verified.signer_fingerprint == hashlib.sha256(der).hexdigest()
    assert "CN=BPBD Jawa Barat" in verified.signer_subject
    assert verified.data == data


@pytest.mark.parametrize(
    ("kind", "method"),
    [("rsa", "rsa-sha256"), ("ec", "ecdsa-sha256")],
)
def test_signature_follows_the_profile(
    make_signer: MakeSigner, kind: str, method: str
) -> None:
    signer = make_signer(kind=kind)

    data = sign_message(make_alert_xml(), signer.key_pem, signer.cert_pem)

    root = etree.fromstring(data)
    signature = root[-1]
    transforms = signature.findall(f".//{ds('Transform')}")
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert signature.tag == ds("Signature")
    assert len(root.findall(f".//{ds('Signature')}")) == 1
    assert signature.find(f".//{ds('CanonicalizationMethod')}").get("Algorithm") == (
        EXC_C14N.value
    )
    assert (
        signature.find(f".//{ds('SignatureMethod')}")
        .get("Algorithm")
        .endswith("#" + method)
    )
    assert signature.find(f".//{ds('DigestMethod')}").get("Algorithm") == (
        DigestAlgorithm.SHA256.value
    )
    assert [r.get("URI") for r in signature.iter(ds("Reference"))] == [""]
    assert [t.get("Algorithm") for t in transforms] == [ENVELOPED, EXC_C14N.value]
    assert signature.find(f".//{ds('X509Certificate')}") is not None


def test_signing_a_signed_message_is_refused(signer: Signer, signed: bytes) -> None:
    with pytest.raises(SignatureError, match="already signed"):
        sign_message(signed, signer.key_pem, signer.cert_pem)


def test_signing_with_a_key_for_another_certificate_is_refused(
    make_signer: MakeSigner,
) -> None:
    ours, theirs = make_signer("ours"), make_signer("theirs", kind="ec")

    with pytest.raises(SignatureError, match="does not belong to the certificate"):
        sign_message(make_alert_xml(), ours.key_pem, theirs.cert_pem)


def test_encrypted_key_needs_its_password(
    keys: dict[str, PrivateKey], tmp_path: Path
) -> None:
    key = keys["ec"]
    signer = write_signer(
        tmp_path, "locked", key, make_certificate(key, "BMKG"), password=b"rahasia"
    )

    data = sign_message(
        make_alert_xml(), signer.key_pem, signer.cert_pem, key_password=b"rahasia"
    )

    assert verify_message(data, TrustStore.load(signer.cert_path)).alert
    with pytest.raises(SignatureError, match="give its password"):
        sign_message(make_alert_xml(), signer.key_pem, signer.cert_pem)


def test_signing_a_non_cap12_document_is_refused(signer: Signer) -> None:
    data = make_alert_xml().replace(CAP.encode(), b"urn:example:not-cap")

    with pytest.raises(UnsupportedVersion, match=r"not a CAP 1\.2 alert"):
        sign_message(data, signer.key_pem, signer.cert_pem)


def test_unsigned_message_is_refused(trust: TrustStore) -> None:
    error = refusal(make_alert_xml(), trust)

    assert error.code == "not-signed"
    assert "the message is not signed" in str(error).lower()


# Tampering and trust


def test_tampered_text_is_refused(signed: bytes, trust: TrustStore) -> None:
    tampered = signed.replace(b"Gempa bumi", b"Tsunami")

    assert refusal(tampered, trust).code == "digest-mismatch"


def test_tampered_signature_value_is_refused(signed: bytes, trust: TrustStore) -> None:
    def flip_first_character(root: Any) -> None:
        value = root.find(f".//{ds('SignatureValue')}")
        value.text = ("B" if value.text[0] == "A" else "A") + value.text[1:]

    tampered = edited(signed, flip_first_character)

    assert refusal(tampered, trust).code == "signature-mismatch"


def test_certificate_not_in_the_trust_store_is_refused(
    make_signer: MakeSigner, signed: bytes, signer: Signer
) -> None:
    namesake = make_signer("namesake", kind="ec", common_name="BPBD Jawa Barat")

    error = refusal(signed, TrustStore.load(namesake.cert_path))

    der = signer.certificate.public_bytes(Encoding.DER)
    assert error.code == "signer-untrusted"
    assert hashlib.sha256(der).hexdigest() in str(error)


def test_trusted_certificate_with_another_key_is_refused(
    keys: dict[str, PrivateKey], signer: Signer, trust: TrustStore
) -> None:
    xml_signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=EXC_C14N,
    )
    forged = xml_signer.sign(
        etree.fromstring(make_alert_xml(event="Tsunami")),
        key=keys["other"],
        cert=[signer.certificate],
    )

    assert refusal(etree.tostring(forged), trust).code == "signature-mismatch"


def test_certificate_issued_by_a_trusted_ca_is_accepted(
    keys: dict[str, PrivateKey], make_signer: MakeSigner
) -> None:
    authority = make_signer("ca", kind="ec", common_name="BNPB Root CA", ca=True)
    leaf = make_signer(
        "leaf", issuer=(authority.certificate, authority.key), common_name="BPBD"
    )

    data = sign_message(make_alert_xml(), leaf.key_pem, leaf.cert_pem)
    verified = verify_message(data, TrustStore.load(authority.cert_path))

    assert "CN=BPBD" in verified.signer_subject


def test_certificate_issued_by_a_trusted_non_ca_is_refused(
    make_signer: MakeSigner,
) -> None:
    pinned = make_signer("pinned", kind="ec", common_name="BMKG", ca=False)
    leaf = make_signer("leaf", issuer=(pinned.certificate, pinned.key))

    data = sign_message(make_alert_xml(), leaf.key_pem, leaf.cert_pem)

    assert refusal(data, TrustStore.load(pinned.cert_path)).code == "signer-untrusted"


def test_expired_certificate_is_refused(signed: bytes, trust: TrustStore) -> None:
    later = datetime.now(UTC) + timedelta(days=60)

    assert refusal(signed, trust, at=later).code == "certificate-expired"


def test_trust_store_directory_reads_pem_and_crt_files(
    make_signer: MakeSigner, tmp_path: Path
) -> None:
    first, second = make_signer("first"), make_signer("second", kind="ec")
    store = tmp_path / "trusted"
    store.mkdir()
    shutil.copy(first.cert_path, store / "first.pem")
    shutil.copy(second.cert_path, store / "second.crt")
    (store / "notes.txt").write_text("not a certificate")

    trust = TrustStore.load(store)
    data = sign_message(make_alert_xml(), second.key_pem, second.cert_pem)

    assert len(trust) == 2
    assert verify_message(data, trust).alert.sender == "bpbd@jabarprov.example.org"


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda path, signer: path.mkdir(), "trust-store-empty"),
        (lambda path, signer: None, "trust-store-missing"),
        (
            lambda path, signer: path.write_bytes(signer.cert_pem + signer.key_pem),
            "trust-store-private-key",
        ),
        (lambda path, signer: path.write_bytes(b"hello"), "trust-store-invalid"),
    ],
    ids=["empty-directory", "missing", "private-key-inside", "not-pem"],
)
def test_unusable_trust_store_is_refused(
    tmp_path: Path, signer: Signer, setup: Callable[[Path, Signer], None], code: str
) -> None:
    path = tmp_path / "store"
    setup(path, signer)

    with pytest.raises(SignatureError) as caught:
        TrustStore.load(path)

    assert caught.value.code == code


# Signatures outside the accepted profile


class CarelessSigner(XMLSigner):
    """signxml refuses SHA-1 itself; a sender's older tool might not."""

    def check_deprecated_methods(self) -> None:
        return None


def signed_with(
    signer: Signer,
    method: SignatureMethod = SignatureMethod.RSA_SHA256,
    digest: DigestAlgorithm = DigestAlgorithm.SHA256,
    c14n: CanonicalizationMethod = EXC_C14N,
    hmac_key: bytes | None = None,
) -> bytes:
    """A genuinely signed message made with other algorithms than ours."""
    xml_signer = CarelessSigner(
        signature_algorithm=method, digest_algorithm=digest, c14n_algorithm=c14n
    )
    root = etree.fromstring(make_alert_xml())
    if hmac_key:
        result = xml_signer.sign(root, key=hmac_key)
    else:
        result = xml_signer.sign(root, key=signer.key, cert=[signer.certificate])
    return bytes(etree.tostring(result, xml_declaration=True, encoding="UTF-8"))


def set_algorithm(name: str, algorithm: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        root.find(f".//{ds(name)}").set("Algorithm", algorithm)

    return change


def duplicate(path: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        element = root.find(path)
        element.addnext(copy.deepcopy(element))

    return change


def move_signature(to_info: bool) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        signature = root.find(ds("Signature"))
        if to_info:
            root.find(cap("info")).append(signature)
        else:
            root.insert(0, signature)

    return change


def add_to_transform(index: int, element: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        transform = root.findall(f".//{ds('Transform')}")[index]
        transform.append(etree.fromstring(element))

    return change


def append_transform(algorithm: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        transforms = root.find(f".//{ds('Transforms')}")
        etree.SubElement(transforms, ds("Transform"), Algorithm=algorithm)

    return change


def remove(path: str) -> Callable[[Any], None]:
    def change(root: Any) -> None:
        element = root.find(path)
        element.getparent().remove(element)

    return change


def append_object(root: Any) -> None:
    etree.SubElement(root.find(ds("Signature")), ds("Object")).text = "x"


SIG = f"{{{DS}}}"
REFUSED_BY_BUILDING = [
    pytest.param(
        {"method": SignatureMethod.RSA_SHA1},
        "signature-method-refused",
        "RSA-SHA1",
        id="rsa-sha1",
    ),
    pytest.param(
        {"digest": DigestAlgorithm.SHA1}, "digest-refused", "SHA1", id="sha1-digest"
    ),
    pytest.param(
        {"method": SignatureMethod.HMAC_SHA256, "hmac_key": b"shared secret"},
        "signature-method-refused",
        "HMAC-SHA256",
        id="hmac",
    ),
    pytest.param(
        {"c14n": CanonicalizationMethod.CANONICAL_XML_1_1},
        "canonicalization-refused",
        "exclusive canonicalization",
        id="inclusive-c14n",
    ),
    pytest.param(
        {"c14n": EXC_C14N_COMMENTS},
        "canonicalization-refused",
        "without comments",
        id="c14n-with-comments",
    ),
]
REFUSED_BY_EDITING = [
    pytest.param(
        set_algorithm("SignatureMethod", SignatureMethod.DSA_SHA256.value),
        "signature-method-refused",
        "DSA-SHA256",
        id="dsa",
    ),
    pytest.param(
        duplicate(f".//{SIG}Reference"),
        "reference-count",
        "2 References",
        id="two-refs",
    ),
    pytest.param(
        lambda root: root.find(f".//{SIG}Reference").set("URI", "#info"),
        "reference-uri",
        '"#info"',
        id="reference-to-an-id",
    ),
    pytest.param(
        lambda root: root.find(f".//{SIG}Reference").attrib.pop("URI"),
        "reference-uri",
        "missing",
        id="reference-without-uri",
    ),
    pytest.param(
        append_transform("http://www.w3.org/TR/1999/REC-xpath-19991116"),
        "transform-refused",
        "enveloped-signature transform",
        id="xpath-transform",
    ),
    pytest.param(
        set_algorithm("Transform", EXC_C14N_COMMENTS.value),
        "transform-refused",
        "with comments",
        id="transform-with-comments",
    ),
    pytest.param(
        remove(f".//{SIG}Transform"),
        "transform-refused",
        "enveloped-signature transform",
        id="no-enveloped-transform",
    ),
    pytest.param(
        add_to_transform(
            1,
            '<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#"'
            ' PrefixList="cap"/>',
        ),
        "transform-parameters",
        "InclusiveNamespaces",
        id="transform-parameters",
    ),
    pytest.param(
        move_signature(to_info=False),
        "signature-misplaced",
        "last child of alert",
        id="signature-first",
    ),
    pytest.param(
        move_signature(to_info=True),
        "signature-misplaced",
        "/alert/info/Signature",
        id="signature-inside-info",
    ),
    pytest.param(
        duplicate(f"{SIG}Signature"), "many-signatures", "2 Signature", id="two-sigs"
    ),
    pytest.param(append_object, "signature-object", "Object", id="object-element"),
    pytest.param(
        remove(f".//{SIG}KeyInfo"), "no-certificate", "no certificate", id="no-cert"
    ),
]


@pytest.mark.parametrize(("options", "code", "phrase"), REFUSED_BY_BUILDING)
def test_signature_made_outside_the_profile_is_refused(
    signer: Signer, trust: TrustStore, options: dict[str, Any], code: str, phrase: str
) -> None:
    data = signed_with(signer, **options)

    error = refusal(data, trust)

    assert (error.code, phrase in str(error)) == (code, True), str(error)


@pytest.mark.parametrize(("change", "code", "phrase"), REFUSED_BY_EDITING)
def test_signature_edited_outside_the_profile_is_refused(
    signed: bytes,
    trust: TrustStore,
    change: Callable[[Any], None],
    code: str,
    phrase: str,
) -> None:
    error = refusal(edited(signed, change), trust)

    assert (error.code, phrase in str(error)) == (code, True), str(error)


def test_sha1_refusal_says_how_to_fix_it(signer: Signer, trust: TrustStore) -> None:
    error = refusal(signed_with(signer, method=SignatureMethod.RSA_SHA1), trust)

    assert str(error) == (
        "The signature uses RSA-SHA1, which is refused because SHA-1 is broken; "
        "sign with RSA-SHA256 or ECDSA-SHA256"
    )


def test_doctype_is_refused_before_any_signature_work(
    signed: bytes, trust: TrustStore
) -> None:
    declaration, _, rest = signed.partition(b"?>")
    hostile = (
        declaration + b'?>\n<!DOCTYPE alert [<!ENTITY who "evil@example.org">]>' + rest
    )

    with pytest.raises(UnsafeXml):
        verify_message(hostile, trust)


# What is kept is what was signed


def test_comment_injected_into_signed_text_is_not_kept(
    signer: Signer, trust: TrustStore
) -> None:
    data = sign_message(
        make_alert_xml(sender="evil@example.org"), signer.key_pem, signer.cert_pem
    )
    injected = data.replace(
        b"<sender>evil@example.org</sender>",
        b"<sender>evil<!-- x -->@example.org</sender>",
    )
    assert injected != data

    verified = verify_message(injected, trust)

    naive = etree.fromstring(verified.data)
    assert verified.alert.sender == "evil@example.org"
    assert naive.findtext(cap("sender")) == "evil@example.org"
    assert b"<!--" not in verified.data
    assert verify_message(verified.data, trust).data == verified.data


def test_verifier_result_for_other_content_is_refused(
    signer: Signer, signed: bytes, trust: TrustStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = sign_message(
        make_alert_xml(event="Tsunami"), signer.key_pem, signer.cert_pem
    )
    check = signing._verify_signature

    def verify_other(stored: bytes, certificate: Any, at: Any) -> Any:
        return check(other, certificate, at)

    monkeypatch.setattr(signing, "_verify_signature", verify_other)

    assert refusal(signed, trust).code == "signed-content-mismatch"


def hide_original_in_object(signed: bytes) -> bytes:
    """Evil content keeps the signature; the signed alert hides in an Object."""
    root = etree.fromstring(signed)
    original = copy.deepcopy(root)
    original.remove(original.find(ds("Signature")))
    root.find(f".//{cap('event')}").text = "Tsunami"
    etree.SubElement(root.find(ds("Signature")), ds("Object")).append(original)
    return bytes(etree.tostring(root))


def hide_original_in_wrapper(signed: bytes) -> bytes:
    """Evil alert keeps the signature; the signed alert hides in a wrapper."""
    root = etree.fromstring(signed)
    original = copy.deepcopy(root)
    original.remove(original.find(ds("Signature")))
    root.find(f".//{cap('event')}").text = "Tsunami"
    wrapper = etree.Element("{urn:example:wrap}wrapper")
    wrapper.append(original)
    root.find(ds("Signature")).addprevious(wrapper)
    return bytes(etree.tostring(root))


def nest_original_in_new_alert(signed: bytes) -> bytes:
    """A new evil alert carries the whole signed alert as its last child."""
    original = etree.fromstring(signed)
    root = copy.deepcopy(original)
    root.remove(root.find(ds("Signature")))
    root.find(f".//{cap('event')}").text = "Tsunami"
    root.append(original)
    return bytes(etree.tostring(root))


@pytest.mark.parametrize(
    ("wrap", "code"),
    [
        (hide_original_in_object, "signature-object"),
        (hide_original_in_wrapper, "digest-mismatch"),
        (nest_original_in_new_alert, "signature-misplaced"),
    ],
    ids=["in-signature-object", "in-wrapper-element", "nested-alert"],
)
def test_signature_wrapping_is_refused(
    signed: bytes, trust: TrustStore, wrap: Callable[[bytes], bytes], code: str
) -> None:
    wrapped = wrap(signed)
    assert b"Tsunami" in wrapped

    assert refusal(wrapped, trust).code == code


# Interoperability with xmlsec1


@pytest.fixture
def xmlsec1() -> str:
    path = shutil.which("xmlsec1")
    if path:
        return path
    reason = (
        "xmlsec1 is not installed; install the Debian package xmlsec1 to run "
        "the interoperability tests"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (they must run when CI=true)")
    pytest.skip(reason)


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


SIGNATURE_TEMPLATE = f"""<Signature xmlns="{DS}">
  <SignedInfo>
    <CanonicalizationMethod Algorithm="{EXC_C14N.value}"/>
    <SignatureMethod Algorithm="{{method}}"/>
    <Reference URI="">
      <Transforms>
        <Transform Algorithm="{ENVELOPED}"/>
        <Transform Algorithm="{EXC_C14N.value}"/>
      </Transforms>
      <DigestMethod Algorithm="{DigestAlgorithm.SHA256.value}"/>
      <DigestValue/>
    </Reference>
  </SignedInfo>
  <SignatureValue/>
  <KeyInfo><X509Data/></KeyInfo>
</Signature>"""


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_xmlsec1_accepts_our_signature(
    xmlsec1: str, make_signer: MakeSigner, tmp_path: Path, kind: str
) -> None:
    signer = make_signer(kind=kind)
    message = tmp_path / "signed.xml"
    message.write_bytes(sign_message(make_alert_xml(), signer.key_pem, signer.cert_pem))

    result = run(xmlsec1, "--verify", "--trusted-pem", signer.cert_path, message)

    assert result.returncode == 0, result.stderr


def test_xmlsec1_refuses_our_signature_after_tampering(
    xmlsec1: str, signed: bytes, signer: Signer, tmp_path: Path
) -> None:
    message = tmp_path / "tampered.xml"
    message.write_bytes(signed.replace(b"Gempa bumi", b"Tsunami"))

    result = run(xmlsec1, "--verify", "--trusted-pem", signer.cert_path, message)

    assert result.returncode != 0


@pytest.mark.parametrize(
    ("kind", "method"),
    [("rsa", SignatureMethod.RSA_SHA256), ("ec", SignatureMethod.ECDSA_SHA256)],
)
def test_we_accept_a_signature_made_by_xmlsec1(
    xmlsec1: str,
    make_signer: MakeSigner,
    tmp_path: Path,
    kind: str,
    method: SignatureMethod,
) -> None:
    signer = make_signer(kind=kind)
    root = etree.fromstring(make_alert_xml())
    root.append(etree.fromstring(SIGNATURE_TEMPLATE.format(method=method.value)))
    template, output = tmp_path / "template.xml", tmp_path / "xmlsec1-signed.xml"
    template.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    result = run(
        xmlsec1,
        "--sign",
        "--privkey-pem",
        f"{signer.key_path},{signer.cert_path}",
        "--output",
        output,
        template,
    )
    assert result.returncode == 0, result.stderr
    verified = verify_message(output.read_bytes(), TrustStore.load(signer.cert_path))

    assert verified.alert.infos[0].event == "Gempa bumi"
    assert verified.signer_subject == signer.certificate.subject.rfc4514_string()
