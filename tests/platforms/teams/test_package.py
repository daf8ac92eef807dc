"""`culturebot teams package`: a valid app package with the configured bot id."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app

BOT_ID = "0c5e5a3e-1b2c-4d5e-8f90-123456789abc"
REQUIRED = (
    "manifestVersion",
    "version",
    "id",
    "developer",
    "name",
    "icons",
    "description",
    "accentColor",
)


def png_facts(data: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA PNG with filter 0 (what we write)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)
    idat, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    pixels = [
        tuple(raw[y * stride + 1 + x * 4 : y * stride + 5 + x * 4])
        for y in range(height)
        for x in range(width)
    ]
    return width, height, pixels  # type: ignore[return-value]


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)


def test_package_holds_a_valid_manifest_and_both_icons(configured: None, tmp_path: Path) -> None:
    out = tmp_path / "culturebot-teams.zip"
    result = CliRunner().invoke(app, ["teams", "package", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = png_facts(archive.read("color.png"))
        outline = png_facts(archive.read("outline.png"))

    for field in REQUIRED:
        assert manifest[field], field
    assert re.fullmatch(r"1\.(1[7-9]|2\d)", manifest["manifestVersion"])
    assert manifest["$schema"].endswith(
        f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
    )
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["accentColor"])
    for key in ("name", "websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key]
    assert all(
        manifest["developer"][k].startswith("https://")
        for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl")
    )
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80 and manifest["description"]["full"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    (bot,) = manifest["bots"]
    assert bot["botId"] == BOT_ID and bot["scopes"] == ["personal"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == [
        "help",
        "home",
        "pending",
        "relay",
        "checkin",
        "report",
        "story",
        "cascade",
        "dashboard",
        "language",
    ]
    # Teams' limits: at most 10 commands per list, a title <= 32 and a description <= 128
    commands = bot["commandLists"][0]["commands"]
    assert len(commands) <= 10
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128 for c in commands)

    assert color[:2] == (192, 192)
    assert outline[:2] == (32, 32)
    # the outline icon is white on transparent, nothing else
    assert {p for p in outline[2] if p[3]} == {(255, 255, 255, 255)}
    assert any(p[3] == 0 for p in outline[2])


def test_package_needs_the_bot_id(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.delenv("CULTUREBOT_TEAMS_APP_ID", raising=False)
    result = CliRunner().invoke(app, ["teams", "package", "--out", "x.zip"])
    assert result.exit_code == 2 and "MicrosoftAppId" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_package_refuses_a_bot_id_that_is_not_a_guid(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MicrosoftAppId", "my-bot")
    result = CliRunner().invoke(app, ["teams", "package", "--out", "x.zip"])
    assert result.exit_code == 2 and "GUID" in result.output
    assert not (tmp_path / "x.zip").exists()
