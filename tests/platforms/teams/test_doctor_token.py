"""`culturebot doctor` with Teams credentials, as an admin runs it: a real process whose
bot fetches its own token (the running bot's code path: the SDK's credentials, MSAL, off the
loop within CULTUREBOT_TEAMS_KEY_TIMEOUT) from a strict fake Entra token endpoint over HTTPS on
127.0.0.1. A good secret is one ok line; a wrong secret, an unknown tenant, an endpoint that
refuses connections and one that never answers are each named in one line, exit 1. And a
real send is signed with a token from the same endpoint."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.core.chat import text_message
from bot.core.runtime import Runtime
from bot.delivery.worker import Address
from bot.platforms.teams.adapter import TeamsPlatform, build_adapter
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.entra_token import BOT_FRAMEWORK_TENANT, FakeEntra
from tests.procs import run_cli_async, teams_bot_env, teams_reference

APP_ID = "00000000-0000-0000-0000-00000000d0c7"
SECRET = "Zq8~good.client-secret_value"
TENANT = "11111111-2222-3333-4444-555555555555"


async def doctor(entra: FakeEntra, tmp_path: Path, **settings: str) -> tuple[int, list[str]]:
    env = teams_bot_env(f"sqlite:///{tmp_path / 'bot.db'}")
    env.pop("CULTUREBOT_TEAMS_EMULATOR")
    env.update(
        {
            "MicrosoftAppId": APP_ID,
            "MicrosoftAppPassword": SECRET,
            "CULTUREBOT_TEAMS_LOGIN_URL": entra.url,
            "CULTUREBOT_TEAMS_KEY_TIMEOUT": "60",  # a loaded machine is no timeout
            "REQUESTS_CA_BUNDLE": str(entra.ca_file),  # trust the fake's certificate only
            "CULTUREBOT_DASHBOARD_SECRET": "k" * 40,
        }
    )
    env.update(settings)
    return await run_cli_async(["doctor"], env)


def teams_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.split()[1:2] == ["teams:"]]


async def test_a_good_secret_fetches_a_token_and_passes(tmp_path: Path) -> None:
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}).start()
    try:
        code, lines = await doctor(entra, tmp_path)
    finally:
        await entra.stop()
    assert code == 0, lines
    assert teams_lines(lines) == [
        f"ok   teams: app {APP_ID} fetched its token from {entra.url}/{BOT_FRAMEWORK_TENANT}"
    ], lines
    # the token the running bot asks for: the Bot Framework's, for the multi-tenant app
    assert entra.issued == [
        {
            "tenant": BOT_FRAMEWORK_TENANT,
            "app": APP_ID,
            "scope": "https://api.botframework.com/.default",
        }
    ]


async def test_a_single_tenant_bot_asks_its_own_tenant(tmp_path: Path) -> None:
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}, tenants={TENANT}).start()
    try:
        code, lines = await doctor(entra, tmp_path, MicrosoftAppTenantId=TENANT)
    finally:
        await entra.stop()
    assert code == 0, lines
    assert [issued["tenant"] for issued in entra.issued] == [TENANT]


async def test_a_wrong_secret_is_named_and_fails(tmp_path: Path) -> None:
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}).start()
    try:
        code, lines = await doctor(
            entra, tmp_path, MicrosoftAppPassword="Zq8~the-secret-ID-instead"
        )
    finally:
        await entra.stop()
    assert code == 1, lines
    [line] = teams_lines(lines)
    assert line.startswith(
        "FAIL teams: Azure AD refused MicrosoftAppPassword (wrong client secret"
    ), lines
    assert "the-secret-ID" not in "\n".join(lines)  # the secret itself is never printed
    assert entra.issued == []
    assert all("Traceback" not in line for line in lines)


async def test_an_unknown_tenant_or_app_is_named(tmp_path: Path) -> None:
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}, tenants={TENANT}).start()
    try:
        _, tenant_lines = await doctor(entra, tmp_path, MicrosoftAppTenantId="contoso.example")
        _, app_lines = await doctor(
            entra, tmp_path, MicrosoftAppTenantId=TENANT, MicrosoftAppId="not-our-app"
        )
    finally:
        await entra.stop()
    assert teams_lines(tenant_lines) == [
        "FAIL teams: Azure AD knows no tenant contoso.example (AADSTS90002); check MicrosoftAppTenantId"
    ], tenant_lines
    [app_line] = teams_lines(app_lines)
    assert app_line.startswith(
        f"FAIL teams: Azure AD knows no app MicrosoftAppId in tenant {TENANT}"
    )


async def test_an_endpoint_refusing_connections_is_unreachable(tmp_path: Path) -> None:
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}).start()
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    try:
        code, lines = await doctor(
            entra, tmp_path, CULTUREBOT_TEAMS_LOGIN_URL=f"https://127.0.0.1:{port}"
        )
    finally:
        await entra.stop()
    assert code == 1, lines
    [line] = teams_lines(lines)
    assert line.startswith(f"FAIL teams: cannot reach https://127.0.0.1:{port} ("), lines


async def test_a_silent_endpoint_times_out_within_the_bound(tmp_path: Path) -> None:
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}, silent=True).start()
    try:
        code, lines = await doctor(entra, tmp_path, CULTUREBOT_TEAMS_KEY_TIMEOUT="1")
    finally:
        await entra.stop()
    assert code == 1, lines
    assert teams_lines(lines) == [
        f"FAIL teams: no token from {entra.url} within 1.0 s (CULTUREBOT_TEAMS_KEY_TIMEOUT); "
        "is outbound HTTPS to it blocked or proxied?"
    ], lines
    assert [line.split()[0] for line in lines].count("FAIL") == 1  # the other checks still ran


async def test_a_send_is_signed_with_the_token_from_the_same_endpoint(
    runtime: Runtime, connector: FakeBotConnector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the doctor checks is what a send uses: the running platform fetches its token from
    CULTUREBOT_TEAMS_LOGIN_URL and signs the send to Teams with it."""
    entra = await FakeEntra(tmp_path, apps={APP_ID: SECRET}).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.ca_file))
    settings = runtime.settings.model_copy(
        update={
            "teams_app_id": APP_ID,
            "teams_app_password": SECRET,
            "teams_login_url": entra.url,
            "teams_emulator": False,
        }
    )
    platform = TeamsPlatform(build_adapter(settings), settings)
    reference = teams_reference(connector.url, "aad-1")
    try:
        await platform.send(Address(1, "aad-1", reference), text_message("hello"))
        await platform.send(Address(1, "aad-1", reference), text_message("again"))
    finally:
        await platform.close()
        await entra.stop()
    [token] = entra.tokens  # fetched once, then cached
    assert connector.authorizations == [f"Bearer {token}"] * 2
