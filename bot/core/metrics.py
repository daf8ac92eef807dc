"""Every Prometheus metric culturebot exports, defined once; ``GET /metrics`` serves them.

Code that does something worth counting imports this module and calls the small helpers below
(or the metric objects themselves); only the server renders them. Gauges about the database
(outbox depth by state, dead letters, the oldest due message) are read at scrape time by
``bot.web.health.refresh_from_database``, so they are right for every instance, whichever one sent the rows.

Metric names follow Prometheus conventions: ``_total`` counters, ``_seconds`` durations, base
units. Labels are small fixed sets (platform, outcome, state, kind): never a person, a message
or any text.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from bot.core.chat import Incoming, Response
    from bot.core.router import Router
    from bot.core.runtime import Runtime

__all__ = ["CONTENT_TYPE_LATEST", "REGISTRY", "render"]

# --- delivery (the delivery worker and the platforms count these) ---------------------------
SENDS = Counter(
    "culturebot_sends",
    "Outbox sends by platform and outcome (sent, retry, dead, unreachable, duplicate_skipped).",
    ["platform", "outcome"],
)
REPLIES = Counter(
    "culturebot_replies",
    "Direct replies to the person who acted (not queued), by platform and outcome.",
    ["platform", "outcome"],
)
RATE_LIMITED = Counter(
    "culturebot_rate_limited",
    "HTTP 429 answers received from a platform.",
    ["platform"],
)
RETRY_AFTER = Counter(
    "culturebot_retry_after_seconds",
    "Seconds of Retry-After the platforms asked for, summed.",
    ["platform"],
)

# --- outbox (read from the database at scrape time) ------------------------------------------
OUTBOX_DEPTH = Gauge(
    "culturebot_outbox_messages",
    "Outbox rows not sent yet or given up on, by platform and state (pending, sending, dead, "
    "unreachable); sent history is not counted (culturebot_sends_total counts sends).",
    ["platform", "state"],
)
DEAD_LETTERS = Gauge(
    "culturebot_dead_letters",
    "Outbox rows given up on (state dead), all platforms.",
)
OLDEST_DUE_AGE = Gauge(
    "culturebot_outbox_oldest_due_age_seconds",
    "How long the oldest message that is due (pending, its time come) has been waiting.",
)
DUE_MESSAGES = Gauge(
    "culturebot_outbox_due_messages",
    "Messages due now (pending or sending with their time come): the backlog.",
)

# --- inbound (platform adapters count these) --------------------------------------------------
HANDLER_SECONDS = Histogram(
    "culturebot_handler_seconds",
    "Time the router took to handle one inbound event, by platform and kind.",
    ["platform", "kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ACK_SECONDS = Histogram(
    "culturebot_ack_seconds",
    "Time from receiving an inbound HTTP request to answering it (the ack), by platform.",
    ["platform"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0),
)
INBOUND_QUEUE = Gauge(
    "culturebot_inbound_queue_depth",
    "Acked inbound events waiting for (or in) the work after the ack.",
    ["platform"],
)
INBOUND_SHED = Counter(
    "culturebot_inbound_shed",
    "Acked inbound events whose work was dropped because the after-ack queue was full.",
    ["platform"],
)

# --- scheduler -----------------------------------------------------------------------------------
TICK_SECONDS = Histogram(
    "culturebot_tick_seconds",
    "Duration of one scheduler tick (everything due now).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
TICK_FAILURES = Counter("culturebot_tick_failures", "Scheduler ticks that raised.")
LEASE_HELD = Gauge(
    "culturebot_scheduler_lease_held",
    "1 when this instance holds the scheduler lease (runs the ticks), else 0.",
    ["holder"],
)


def count_send(platform: str, outcome: str, n: int = 1) -> None:
    """One outbox send's outcome (``sent``, ``retry``, ``dead``, ``unreachable``, ...)."""
    if n:
        SENDS.labels(platform=platform, outcome=outcome).inc(n)


def count_rate_limited(platform: str, retry_after: float | None) -> None:
    """A 429 from ``platform``, with the Retry-After it gave (seconds), if any."""
    RATE_LIMITED.labels(platform=platform).inc()
    if retry_after:
        RETRY_AFTER.labels(platform=platform).inc(max(0.0, float(retry_after)))


def render(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The text exposition format (what ``GET /metrics`` answers)."""
    return generate_latest(registry)


def timed_handle(router: Router, runtime: Runtime, incoming: Incoming) -> Response:
    """``router.handle`` with its duration in ``culturebot_handler_seconds`` (platforms call
    this in a thread, as they would the router)."""
    started = time.perf_counter()
    try:
        return router.handle(runtime, incoming)
    finally:
        HANDLER_SECONDS.labels(platform=incoming.platform, kind=incoming.kind).observe(
            time.perf_counter() - started
        )
