"""`culturebot doctor` as an admin runs it after installing: a real process against the strict
fake Slack, whose token holds the scopes the test grants. One line per check; a missing scope,
a malformed signing secret or a database that cannot open is named and exits non-zero."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.slack_api import FakeSlack, manifest_scopes
from tests.procs import bot_env, run_cli_async

SECRET = "0123456789abcdef0123456789abcdef"  # Slack's form: 32 hexadecimal characters


async def doctor(fake: FakeSlack, tmp_path: Path, **settings: object) -> tuple[int, list[str]]:
    env = bot_env(f"sqlite:///{tmp_path / 'bot.db'}", fake.api_url)
    env.update({"SLACK_BOT_TOKEN": "xoxb-doctor", "SLACK_SIGNING_SECRET": SECRET})
    for key, value in settings.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return await run_cli_async(["doctor"], env)


async def test_a_token_with_every_scope_passes_with_one_line_per_check(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        code, lines = await doctor(fake, tmp_path)
    finally:
        await fake.stop()
    assert code == 0, lines
    levels = [line.split()[0] for line in lines]
    # Teams is not configured (skipped); only the dashboard warns
    assert levels == ["ok", "ok", "ok", "skip", "ok", "ok"] + ["warn"] * (len(levels) - 6), lines
    assert any("signed in as culturebot to Fake Team" in line for line in lines)
    assert any(f"all {len(manifest_scopes())}" in line for line in lines)
    assert any(line.startswith("warn dashboard") and "database" in line for line in lines)
    assert len(fake.called("auth.test")) == 1  # asked once, shared by the checks


async def test_a_missing_scope_is_named_and_fails(tmp_path: Path) -> None:
    fake = FakeSlack(scopes=[s for s in manifest_scopes() if s not in ("im:write", "commands")])
    await fake.start()
    try:
        code, lines = await doctor(fake, tmp_path, CULTUREBOT_DASHBOARD_SECRET="k" * 40)
    finally:
        await fake.stop()
    assert code == 1
    [failed] = [line for line in lines if line.startswith("FAIL")]
    assert failed.startswith("FAIL slack scopes: missing commands, im:write"), lines
    assert "reinstall" in failed


async def test_bad_secrets_a_bad_zone_and_an_unopenable_database_are_each_one_line(
    tmp_path: Path,
) -> None:
    fake = FakeSlack()
    await fake.start()
    (tmp_path / "not-a-dir").write_text("a file where a directory should be")
    try:
        code, lines = await doctor(
            fake,
            tmp_path,
            SLACK_SIGNING_SECRET="not-the-secret",
            CULTUREBOT_DEFAULT_TIMEZONE="Mars/Olympus",
            CULTUREBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'not-a-dir' / 'bot.db'}",
        )
    finally:
        await fake.stop()
    assert code == 1
    failed = [line for line in lines if line.startswith("FAIL")]
    assert [line.split(":")[0] for line in failed] == [
        "FAIL slack signing secret",
        "FAIL database",
        "FAIL clock",
    ], lines
    assert "Mars/Olympus" in failed[2]
    assert all("Traceback" not in line for line in lines)


async def test_a_token_slack_refuses_is_named(tmp_path: Path) -> None:
    fake = FakeSlack()
    fake.fail("auth.test", error="invalid_auth")
    await fake.start()
    try:
        code, lines = await doctor(fake, tmp_path)
    finally:
        await fake.stop()
    assert code == 1
    assert lines[0] == (
        "FAIL slack: auth.test answered invalid_auth; check SLACK_BOT_TOKEN "
        "(reinstall the app if it was revoked)"
    ), lines
