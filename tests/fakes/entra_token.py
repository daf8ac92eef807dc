"""A fake Microsoft Entra (Azure AD) v2 token endpoint over HTTPS on 127.0.0.1: what MSAL asks
when the bot fetches its own token with its app id and client secret.

It speaks the documented protocol and refuses what Azure AD refuses:
- ``GET /{tenant}/v2.0/.well-known/openid-configuration``: the tenant's OpenID configuration
  (400 ``invalid_tenant`` AADSTS90002 for a tenant it does not know);
- ``POST /{tenant}/oauth2/v2.0/token`` (client credentials grant, form-encoded): 200
  ``{"token_type": "Bearer", "expires_in": .., "access_token": ..}``; 401 ``invalid_client``
  AADSTS7000215 for a wrong secret; 400 ``unauthorized_client`` AADSTS700016 for an app it does
  not know; 400 ``invalid_scope`` for a scope without ``/.default``; 400
  ``unsupported_grant_type`` for another grant.

``silent = True`` makes every request wait forever (a firewall that drops packets). MSAL
insists on HTTPS, so the fake serves a self-signed certificate for 127.0.0.1 (``ca_file``:
give it to the bot as ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import secrets
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BOT_FRAMEWORK_TENANT = "botframework.com"  # the SDK's tenant for a multi-tenant bot


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files in ``directory``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "fake-entra.pem", directory / "fake-entra.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class FakeEntra:
    directory: Path
    apps: dict[str, str] = field(default_factory=dict)  # app id -> its client secret
    tenants: set[str] = field(default_factory=lambda: {BOT_FRAMEWORK_TENANT})
    silent: bool = False
    issued: list[dict[str, str]] = field(default_factory=list)  # the token requests granted
    tokens: list[str] = field(default_factory=list)  # the access tokens handed out
    _runner: web.AppRunner | None = None
    _transports: list[asyncio.BaseTransport] = field(default_factory=list)
    url: str = ""
    ca_file: Path | None = None

    async def start(self) -> FakeEntra:
        self.ca_file, key_file = self_signed(self.directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca_file, key_file)
        app = web.Application()
        app.on_response_prepare.append(self._keep_connection)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._configuration)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"https://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for transport in self._transports:  # TLS would wait for the client's goodbye
            transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _keep_connection(self, request: web.Request, _response: web.StreamResponse) -> None:
        """Keep each connection, to cut it at ``stop``: MSAL's pooled connections would
        otherwise outlive the fake."""
        if request.transport is not None and request.transport not in self._transports:
            self._transports.append(request.transport)

    async def _hold_if_silent(self) -> None:
        if self.silent:
            await asyncio.Event().wait()  # never answers; the client gives up (cancelled then)

    @staticmethod
    def _error(status: int, error: str, code: str, description: str) -> web.Response:
        body = {
            "error": error,
            "error_description": f"AADSTS{code}: {description}",
            "error_codes": [int(code)],
            "timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": secrets.token_hex(16),
            "correlation_id": secrets.token_hex(16),
        }
        return web.json_response(body, status=status)

    async def _configuration(self, request: web.Request) -> web.Response:
        await self._hold_if_silent()
        tenant = request.match_info["tenant"]
        if tenant not in self.tenants:
            return self._error(400, "invalid_tenant", "90002", f"Tenant '{tenant}' not found.")
        base = f"{self.url}/{tenant}"
        document: dict[str, Any] = {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "issuer": f"{self.url}/{tenant}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "response_types_supported": ["code", "id_token", "token id_token"],
        }
        return web.json_response(document)

    async def _token(self, request: web.Request) -> web.Response:
        await self._hold_if_silent()
        form = await request.post()
        grant, app_id = form.get("grant_type"), str(form.get("client_id", ""))
        if grant != "client_credentials":
            return self._error(
                400,
                "unsupported_grant_type",
                "70003",
                "The app requested an unsupported grant type.",
            )
        if app_id not in self.apps:
            return self._error(
                400,
                "unauthorized_client",
                "700016",
                f"Application with identifier '{app_id}' was not found in the directory.",
            )
        if form.get("client_secret") != self.apps[app_id]:
            return self._error(
                401,
                "invalid_client",
                "7000215",
                "Invalid client secret provided. Ensure the secret being sent in the request"
                " is the client secret value, not the client secret ID.",
            )
        scope = str(form.get("scope", ""))
        if not scope.endswith("/.default"):
            return self._error(
                400,
                "invalid_scope",
                "1002012",
                f"The provided value for scope {scope} is not valid.",
            )
        self.issued.append({"tenant": request.match_info["tenant"], "app": app_id, "scope": scope})
        token = "fake." + secrets.token_urlsafe(24) + ".token"
        self.tokens.append(token)
        body = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599}
        return web.json_response({**body, "access_token": token})
