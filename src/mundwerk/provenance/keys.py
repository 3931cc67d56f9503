"""Signing keys for content credentials: mundwerk's own local ones, or a chain and key the user brings.

c2pa refuses a bare self-signed certificate, so on first use mundwerk makes a small local
certificate authority (ES256 on P-256) and issues a signing certificate from it, with what
c2pa asks of a signer: digital-signature key usage, an extended key usage (email
protection), not a CA, subject and authority key identifiers. They live in
``<config>/keys`` (``$MUNDWERK_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/mundwerk``, else
``~/.config/mundwerk``), private keys readable by the user only. The names inside say
nothing about who ran mundwerk: a local certificate vouches for no one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mundwerk.core.errors import UsageError

CONFIG_DIR_ENV = "MUNDWERK_CONFIG_DIR"
CA_FILE, CA_KEY_FILE = "ca.pem", "ca-key.pem"
CHAIN_FILE, KEY_FILE = "signer.pem", "signer-key.pem"
#: Without a timestamp authority a signature is checked against the certificate's validity
#: *now*, so local certificates are long-lived (files signed today stay valid for years).
CA_DAYS = 30 * 365
SIGNER_DAYS = 20 * 365
_CLOCK_SKEW = dt.timedelta(minutes=5)
_ORGANISATION = "mundwerk (local, unverified)"


class SigningKeyError(UsageError):
    """A certificate chain or private key that cannot sign: unreadable, mismatched, expired (exit 2)."""


@dataclass(frozen=True, slots=True)
class SigningKeys:
    """A PEM certificate chain (signer first) and its private key, checked to belong together."""

    chain_pem: bytes
    key_pem: bytes
    #: c2pa's name of the signature algorithm: es256, es384, es512, ps256 or ed25519.
    algorithm: str
    #: Where they came from, for messages.
    source: str

    @classmethod
    def from_files(cls, chain: str | Path, key: str | Path) -> SigningKeys:
        """The user's own chain and key; raises ``SigningKeyError`` naming the file at fault."""
        chain_pem = _read(Path(chain), "certificate chain")
        key_pem = _read(Path(key), "private key")
        return cls.checked(chain_pem, key_pem, f"{chain} with {key}")

    @classmethod
    def checked(cls, chain_pem: bytes, key_pem: bytes, source: str) -> SigningKeys:
        """Keys that parse, match, and are valid now."""
        certificates = _certificates(chain_pem, source)
        private_key = _private_key(key_pem, source)
        if _public_der(certificates[0].public_key()) != _public_der(private_key.public_key()):
            raise SigningKeyError(f"the certificate does not match the private key: {source}")
        for certificate in certificates:
            _check_validity(certificate, source)
        return cls(chain_pem, key_pem, _algorithm(private_key, source), source)


def config_dir() -> Path:
    """mundwerk's configuration directory (``$MUNDWERK_CONFIG_DIR`` overrides the XDG place)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "mundwerk"


def keys_dir() -> Path:
    return config_dir() / "keys"


def local_ca_path() -> Path:
    """The local CA certificate (give it to ``verify --trust`` to trust this machine's files)."""
    return keys_dir() / CA_FILE


def local_keys() -> SigningKeys:
    """This machine's signing keys, made on first use; an expired or broken signer is issued anew."""
    folder = keys_dir()
    try:
        if not (folder / CA_FILE).is_file():
            _create_key_folder(folder)
        try:
            return _load_local(folder)
        except SigningKeyError:
            _reissue_signer(folder)
            return _load_local(folder)
    except OSError as error:
        raise SigningKeyError(
            f"cannot make signing keys in {folder}: {error.strerror or error} "
            f"(set {CONFIG_DIR_ENV} or give --sign-cert and --sign-key)"
        ) from error


def _load_local(folder: Path) -> SigningKeys:
    chain = folder / CHAIN_FILE
    return SigningKeys.checked(
        _read(chain, "certificate chain"), _read(folder / KEY_FILE, "private key"), f"local keys in {folder}"
    )


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise SigningKeyError(f"{what} not found: {path}") from error
    except OSError as error:
        raise SigningKeyError(f"cannot read {what} {path}: {error.strerror}") from error


def _certificates(chain_pem: bytes, source: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(chain_pem)
    except ValueError as error:
        raise SigningKeyError(f"not a PEM certificate chain: {source}") from error


PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


def _private_key(key_pem: bytes, source: str) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"not an unencrypted PEM private key: {source}") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise SigningKeyError(f"unsupported key type {type(key).__name__}: {source}")
    return key


def _algorithm(key: PrivateKey, source: str) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    curves = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
    if key.curve.name not in curves:
        raise SigningKeyError(f"unsupported elliptic curve {key.curve.name}: {source}")
    return curves[key.curve.name]


def _public_der(key: object) -> bytes:
    assert hasattr(key, "public_bytes")
    der: bytes = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return der


def _check_validity(certificate: x509.Certificate, source: str) -> None:
    now = dt.datetime.now(dt.UTC)
    name = certificate.subject.rfc4514_string()
    if certificate.not_valid_after_utc < now:
        day = certificate.not_valid_after_utc.date().isoformat()
        raise SigningKeyError(f"the certificate {name!r} expired on {day}: {source}")
    if certificate.not_valid_before_utc > now:
        day = certificate.not_valid_before_utc.date().isoformat()
        raise SigningKeyError(f"the certificate {name!r} is not valid before {day}: {source}")


# --- making local keys ---------------------------------------------------------------------------


def _create_key_folder(folder: Path) -> None:
    """A CA and a signer in a private folder, renamed into place whole (a racing process's wins)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".keys.", dir=folder.parent))
    try:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _ca_certificate(ca_key)
        _write_private(staging / CA_KEY_FILE, _key_pem(ca_key))
        (staging / CA_FILE).write_bytes(_cert_pem(ca))
        _issue_signer(staging, ca, ca_key)
        os.rename(staging, folder)
    except OSError:
        if not (folder / CA_FILE).is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _reissue_signer(folder: Path) -> None:
    ca_pem = _read(folder / CA_FILE, "local CA certificate")
    ca = _certificates(ca_pem, str(folder / CA_FILE))[0]
    ca_key = _private_key(_read(folder / CA_KEY_FILE, "local CA key"), str(folder / CA_KEY_FILE))
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    _check_validity(ca, f"local CA in {folder}")
    _issue_signer(folder, ca, ca_key)


def _issue_signer(folder: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _signer_certificate(key, ca, ca_key)
    _write_private(folder / KEY_FILE, _key_pem(key))
    _write_replacing(folder / CHAIN_FILE, _cert_pem(certificate) + _cert_pem(ca), 0o644)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANISATION),
        ]
    )


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    usage = _key_usage(digital_signature=False, key_cert_sign=True)
    return (
        _base(_name("mundwerk local CA"), _name("mundwerk local CA"), key.public_key(), CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _signer_certificate(
    key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    usage = _key_usage(digital_signature=True, key_cert_sign=False)
    authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return (
        _base(_name("mundwerk local signer"), ca.subject, key.public_key(), SIGNER_DAYS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(authority, critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _base(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _key_usage(*, digital_signature: bool, key_cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _cert_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    _write_replacing(path, data, 0o600)


def _write_replacing(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temporary file with ``mode`` beside ``path``, then rename it over."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
