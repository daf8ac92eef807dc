"""What every handler and job needs: the database, the clock, the settings, the channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by every command: the ORM and the tables only where used
    from sqlmodel import Session

    from bot.core.clock import Clock
    from bot.core.config import Settings
    from storage.db import Database
    from storage.models import Person


@dataclass
class Runtime:
    """``channels`` are the platforms that deliver, in preference order; a person with no
    identity on any of them is reached through the console."""

    db: Database
    clock: Clock
    settings: Settings
    channels: tuple[str, ...] = ()


@dataclass
class Context:
    """One handler call: an open transaction, the runtime, and who is acting."""

    session: Session
    runtime: Runtime
    person: Person

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def settings(self) -> Settings:
        return self.runtime.settings
