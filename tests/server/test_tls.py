"""TLS is always verified: an https backend with a company CA is refused until that CA is configured.

A real reference backend serves https and wss on loopback with a certificate from a CA made here;
the desktop's own client code (BackendApi over httpx, the push stream over websockets) connects.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from workstation.client.api import BackendApi, UntrustedCertificate
from workstation.client.events import Backoff, EventStream
from workstation.client.tls import TlsConfigError, ssl_context
from workstation.server.runner import ServerOptions, ServerThread


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca_and_server_cert(directory: Path) -> tuple[Path, Path, Path]:
    """A company root CA and a certificate for 127.0.0.1/localhost it signed: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Example Corp Test Root CA"))
        .issuer_name(_name("Example Corp Test Root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_file, cert_file, key_file


@pytest.fixture(scope="module")
def https_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerThread, Path]]:
    base = tmp_path_factory.mktemp("tls")
    ca, cert, key = make_ca_and_server_cert(base)
    server = ServerThread(
        ServerOptions(data_dir=base / "backend", simulator=None, tls_cert=cert, tls_key=key)
    )
    server.start()
    assert server.url.startswith("https://127.0.0.1:")
    yield server, ca
    server.stop()


async def _login(url: str, tls: object) -> str:
    async with httpx.AsyncClient(base_url=url, verify=tls, trust_env=False) as http:  # type: ignore[arg-type]
        session = await BackendApi(http).login("demo", "demo")
        return session.agent.username


def test_untrusted_certificate_is_refused_with_a_clear_message(
    https_backend: tuple[ServerThread, Path],
) -> None:
    server, _ca = https_backend
    with pytest.raises(UntrustedCertificate) as refused:
        asyncio.run(_login(server.url, ssl_context("bundled")))
    assert "not trusted" in str(refused.value) and "tls_ca_bundle" in str(refused.value)
    assert "certificate" in str(refused.value)


def test_configured_company_ca_is_trusted_for_rest_and_push(https_backend: tuple[ServerThread, Path]) -> None:
    server, ca = https_backend
    tls = ssl_context("bundled", str(ca))
    assert asyncio.run(_login(server.url, tls)) == "demo"

    class Recorder:
        def __init__(self) -> None:
            self.connected = asyncio.Event()
            self.details: list[str] = []

        async def on_events(self, log_id: str, frames: list[object]) -> None: ...

        async def on_reset(self, log_id: str, head: int, reason: str) -> None: ...

        def on_connection(self, online: bool, detail: str) -> None:
            self.details.append(detail)
            if online:
                self.connected.set()

        def position(self) -> tuple[str | None, int]:
            return None, 0

    async def stream(tls_for_stream: object) -> Recorder:
        async with httpx.AsyncClient(base_url=server.url, verify=tls, trust_env=False) as http:
            api = BackendApi(http)
            await api.login("demo", "demo")
            recorder = Recorder()
            ws_url = server.url.replace("https://", "wss://") + "/api/v1/stream"
            events = EventStream(
                ws_url,
                lambda: api.token,
                recorder,
                backoff=Backoff(initial=0.05),
                tls=tls_for_stream,  # type: ignore[arg-type]
            )
            task = asyncio.create_task(events.run())
            try:
                await asyncio.wait_for(recorder.connected.wait(), 1.5)
            except TimeoutError:
                pass
            finally:
                await events.close()
                task.cancel()
            return recorder

    trusted = asyncio.run(stream(tls))
    assert trusted.connected.is_set()
    untrusted = asyncio.run(stream(ssl_context("bundled")))
    assert not untrusted.connected.is_set()
    assert any(
        "CERTIFICATE_VERIFY_FAILED" in d or "certificate verify failed" in d for d in untrusted.details
    )


def test_system_trust_store_is_used_when_configured(
    https_backend: tuple[ServerThread, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # On Linux the OS trust store is OpenSSL's default locations, which SSL_CERT_FILE points
    # elsewhere: here, to a store holding only the company CA (as if IT had installed it).
    server, ca = https_backend
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert asyncio.run(_login(server.url, ssl_context("system"))) == "demo"
    # the bundled set does not know the company CA, whatever the OS trusts
    with pytest.raises(UntrustedCertificate):
        asyncio.run(_login(server.url, ssl_context("bundled")))


def test_a_broken_ca_file_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(TlsConfigError, match="tls_ca_bundle"):
        ssl_context("bundled", str(bad))
    with pytest.raises(TlsConfigError, match="tls_trust"):
        ssl_context("none")
