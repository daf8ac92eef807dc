"""Logging for `culturebot run`: timestamps and levels, JSON lines for machines, request ids.

- ``CULTUREBOT_LOG_FORMAT``: ``json`` (one JSON object a line, python-json-logger), ``text``, or
  ``auto`` (the default: JSON when stdout is not a terminal, as under systemd or in a container).
- Each inbound HTTP request gets a request id (the caller's ``X-Request-Id`` when it sends a
  sane one, else a new one); every line logged while handling it, including the work after the
  ack, carries it as ``request_id``. The response echoes it in ``X-Request-Id``.
- Timestamps are RFC 3339 with milliseconds and the UTC offset (``2026-12-07T13:51:12.345+00:00``),
  in JSON and text alike.
- APScheduler's INFO lines ("Running job ..." / "... executed successfully", one pair per job
  run, and its job and start/stop bookkeeping) are logged at DEBUG; its warnings stay.
- No message text, score or comment is logged at INFO or above (a test enforces it): log
  what happened and to which kind of thing, never what a person wrote.
- No secret is logged, by us or by a library: ``RedactSecrets`` rewrites every line (and its
  traceback) that carries a sign-in token, a cookie, a bearer or Slack token, or the value of
  any secret setting; aiohttp's access log (which writes query strings) is off.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.core.config import Settings

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REQUEST_ID_HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
# Loggers whose INFO lines (per job run, and job bookkeeping) are demoted to DEBUG.
CHATTY = "apscheduler."


def new_request_id(given: str | None = None) -> str:
    """The caller's id when it is short and plain (it reaches log lines), else a fresh one."""
    if given and _SANE_ID.match(given):
        return given
    return uuid.uuid4().hex[:16]


class RequestIdFilter(logging.Filter):
    """Stamps each record with the request id of the task or thread that logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def _stamp_records() -> None:
    """Every record made in this process carries ``request_id`` from the moment it is made
    (so every handler sees it, including ones added by tests or by an embedding program)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "stamps_request_id", False):
        return

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    factory.stamps_request_id = True  # type: ignore[attr-defined]  # a mark on the function itself
    logging.setLogRecordFactory(factory)


_stamp_records()


class DemoteChatter(logging.Filter):
    """APScheduler's INFO lines become DEBUG (and vanish unless DEBUG is on): they say that
    a job ran, every tick, and nothing an operator acts on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and record.name.startswith(CHATTY):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


REDACTED = "[redacted]"
# what a secret looks like wherever it turns up: a sign-in token in a query or form, the
# dashboard's cookie, a Cookie/Authorization header, a bearer token, a Slack token
_SECRET_SHAPES = (
    re.compile(r"(?i)(\btoken=)[^&\s\"'<>]+"),
    re.compile(r"(?i)(culturebot_dashboard=)[^;\s\"'<>]+"),
    re.compile(r"(?i)(\b(?:set-)?cookie['\"]?\s*[:=,]\s*['\"]?)[^\r\n'\"]+"),
    re.compile(r"(?i)(\bauthorization['\"]?\s*[:=,]\s*['\"]?)[^\r\n'\"]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"()\bx(?:ox[a-z]|app)-[A-Za-z0-9-]+"),
)
SECRET_SETTINGS = (
    "dashboard_secret",
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "teams_app_password",
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret in it replaced by [redacted]."""
    for value in secrets:
        text = text.replace(value, REDACTED)
    for shape in _SECRET_SHAPES:
        text = shape.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Scrubs secrets from each line and its traceback before any formatter sees them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # short values would blank out ordinary words; real secrets are long
        self.secrets = tuple(sorted({s for s in secrets if s and len(s) >= 8}, key=len))[::-1]

    @classmethod
    def of(cls, settings: Settings) -> RedactSecrets:
        return cls(str(getattr(settings, name) or "") for name in SECRET_SETTINGS)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def wants_json(log_format: str, stream: object = None) -> bool:
    if log_format == "json":
        return True
    if log_format == "text":
        return False
    stream = stream if stream is not None else sys.stdout
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty())


def rfc3339(record: logging.LogRecord, _datefmt: str | None = None) -> str:
    """When the record was made, as RFC 3339 with milliseconds and the UTC offset (strftime
    has no milliseconds, and its ``%z`` lacks the colon RFC 3339 needs)."""
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def make_formatter(as_json: bool) -> logging.Formatter:
    formatter: logging.Formatter
    if as_json:
        from pythonjsonlogger.json import JsonFormatter

        formatter = JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    else:
        formatter = logging.Formatter(TEXT_FORMAT)
    # one instance's formatTime, for both formatter classes (a subclass each would be two)
    formatter.formatTime = rfc3339  # type: ignore[method-assign, assignment]  # see above
    return formatter


def setup_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Configure the root logger for a long-running process; returns the handler installed."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(make_formatter(wants_json(settings.log_format, handler.stream)))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(DemoteChatter())
    handler.addFilter(RedactSecrets.of(settings))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # one access line per request is the request-id middleware's DEBUG line (its path, never
    # the query string a sign-in token rides in), not aiohttp's INFO one
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    clamp_platform_loggers()
    return handler


# Client libraries that log whole request and response bodies at DEBUG (a DM's text next to
# a person's channel): kept at INFO or quieter whatever CULTUREBOT_LOG_LEVEL says.
CLAMPED_LOGGERS = ("slack_sdk", "slack_bolt", "slack", "botbuilder", "botframework", "msrest")
# slack_sdk's Web API clients test their own logger's ``level`` (not the effective level)
# before formatting each request's whole body for a DEBUG line: left at NOTSET, every call
# formatted it only for the line to be dropped (a tenth of a DM's CPU at fan-out rates).
LEVEL_CHECKED = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client")


def clamp_platform_loggers() -> None:
    for name in CLAMPED_LOGGERS + LEVEL_CHECKED:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, logging.INFO))
