"""The Teams app package: a manifest (schema v1.19) and two generated PNG icons, zipped.

Teams wants a colour icon of 192x192 and an outline icon of 32x32 that is white on a
transparent background. They are drawn here (a ring and a dot) and written as PNG with zlib,
so packaging needs no image library.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import prompts

MANIFEST_VERSION = "1.19"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x1F, 0x6F, 0xEB)
# Teams shows at most 10 commands per list (title <= 32 characters, description <= 128)
COMMANDS = (
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
)
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Any) -> bytes:
    """An RGBA PNG whose pixel (x, y) is ``pixel(x, y)``."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        for x in range(width):
            raw.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def _mark(size: int, x: int, y: int) -> bool:
    """The culturebot mark: a ring with a dot in the middle."""
    c = (size - 1) / 2
    r = ((x - c) ** 2 + (y - c) ** 2) ** 0.5 / size
    return 0.26 <= r <= 0.36 or r <= 0.11


def color_icon() -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _mark(192, x, y) else (*ACCENT, 255)

    return png(192, 192, pixel)


def outline_icon() -> bytes:
    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _mark(32, x, y) else (0, 0, 0, 0)

    return png(32, 32, pixel)


def app_version() -> str:
    try:
        return version("culturebot")
    except PackageNotFoundError:
        return "0.1.0"


def manifest(
    *,
    bot_id: str,
    app_id: str,
    developer: str,
    website_url: str,
    privacy_url: str,
    terms_url: str,
) -> dict[str, Any]:
    """The app manifest: one bot in the personal scope, with its text commands listed."""
    for name, value in (("bot id", bot_id), ("app id", app_id)):
        if not GUID.match(value):
            raise ValueError(f"the {name} must be a GUID (the Azure bot's Microsoft App ID)")
    for name, url in (("website", website_url), ("privacy", privacy_url), ("terms", terms_url)):
        if not url.startswith("https://"):
            raise ValueError(f"the {name} URL must start with https://")
    commands = [
        {"title": command, "description": prompts.text(f"teams.command_{command}")}
        for command in COMMANDS
    ]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version(),
        "id": app_id.lower(),
        "developer": {
            "name": developer,
            "websiteUrl": website_url,
            "privacyUrl": privacy_url,
            "termsOfUseUrl": terms_url,
        },
        "name": {"short": "culturebot", "full": "culturebot: customer-centric culture"},
        "description": {
            "short": prompts.text("teams.app_short"),
            "full": prompts.text("teams.app_full"),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id.lower(),
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["personal"], "commands": commands}],
            }
        ],
        "permissions": ["identity"],
        "validDomains": [],
    }


def package(manifest_data: dict[str, Any]) -> bytes:
    """The zip Teams accepts: manifest.json and the two icons at the top level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest_data, indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
