"""A test MSSanté trust space (the `cryptography` package): a CA, the patient domain's certificate
(messaging's SMTP listener, and its client certificate towards the relay) and operators' client
certificates for professional domains. Written once into a folder and kept (make run, the tests)."""
from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The demo professionals' domains (devtools/demo.py).
OPERATOR_DOMAINS = ("medecin.mssante.fr", "pharmacien.mssante.fr", "kine.mssante.fr")
VALID_DAYS = 825


@dataclass(frozen=True)
class TrustSpace:
    ca_file: Path
    server_cert_file: Path      # the patient domain's: messaging's listener
    server_key_file: Path
    operator_cert_file: Path    # a professional operator's client certificate (OPERATOR_DOMAINS)
    operator_key_file: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MES test trust space"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)


def new_ca(common_name: str = "MES test MSSanté CA") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _key()
    cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now()).not_valid_after(_now() + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def issue(ca_key, ca_cert: x509.Certificate, dns_names: tuple[str, ...], *, ip: str = "127.0.0.1"
          ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A certificate for an operator: its DNS names are the domains it vouches for; server and client use."""
    key = _key()
    names = [x509.DNSName(n) for n in dns_names] + [x509.IPAddress(ipaddress.ip_address(ip))]
    cert = (x509.CertificateBuilder().subject_name(_name(dns_names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_now()).not_valid_after(_now() + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def write_pair(directory: Path, stem: str, key, cert: x509.Certificate) -> tuple[Path, Path]:
    cert_file, key_file = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key_file, key)
    return cert_file, key_file


def ensure_trust_space(directory: Path, patient_domain: str = "patient.mssante.fr",
                       operator_domains: tuple[str, ...] = OPERATOR_DOMAINS) -> TrustSpace:
    """The files under `directory`, generated the first time and kept after."""
    directory.mkdir(parents=True, exist_ok=True)
    space = TrustSpace(directory / "mssante-ca.crt", directory / "mssante-patient.crt",
                       directory / "mssante-patient.key", directory / "mssante-operator.crt",
                       directory / "mssante-operator.key")
    if all(p.exists() for p in (space.ca_file, space.server_cert_file, space.server_key_file,
                                space.operator_cert_file, space.operator_key_file)):
        return space
    ca_key, ca_cert = new_ca()
    space.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    write_pair(directory, "mssante-patient", *issue(ca_key, ca_cert, (patient_domain, "localhost")))
    write_pair(directory, "mssante-operator", *issue(ca_key, ca_cert, operator_domains))
    return space
