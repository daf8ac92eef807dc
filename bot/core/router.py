"""Routes an Incoming to the handler registered for its command or action.

The router owns what every handler would otherwise repeat: find the person, drop a platform's
retry of an event already handled, refuse oversized text, and run the handler in one
transaction so its state change and its outbox rows commit together or not at all.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.chat import Incoming, Response, UserError, plain_text, text_message
from bot.core.runtime import Context, Runtime
from prompts import speaking, text

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

Handler = Callable[[Context, Incoming], Response]
# what the router asks the database; storage answers (storage.people.by_identity and
# storage.events.first_time), bot.app wires them in, so the floor never imports storage
FindPerson = Callable[["Session", str, str], Any]
FirstTime = Callable[["Session", str, str, datetime], bool]
Forget = Callable[["Session", str, str], None]
# the language a person is spoken to in, given the default (storage.people.locale_of)
LocaleOf = Callable[[Any, str], str]
MAX_TEXT = 5000


class Router:
    def __init__(
        self, find_person: FindPerson, first_time: FirstTime, forget: Forget, locale_of: LocaleOf
    ) -> None:
        self._find_person = find_person
        self._first_time = first_time
        self._forget = forget
        self._locale_of = locale_of
        self._commands: dict[str, Handler] = {}
        self._actions: dict[str, Handler] = {}

    def command(self, name: str) -> Callable[[Handler], Handler]:
        """Register a handler for a typed command (``checkin``) or slash command (``/pulse``)."""

        def register(handler: Handler) -> Handler:
            self._commands[name.lower()] = handler
            return handler

        return register

    def action(self, name: str) -> Callable[[Handler], Handler]:
        """Register a handler for a button, a question's answer or a form submission."""

        def register(handler: Handler) -> Handler:
            self._actions[name] = handler
            return handler

        return register

    @property
    def commands(self) -> list[str]:
        return sorted(self._commands)

    def _find(self, incoming: Incoming) -> tuple[Handler | None, Incoming]:
        if incoming.kind == "action":
            return self._actions.get(incoming.name), incoming
        if incoming.kind == "command":
            return self._commands.get(incoming.name.lower().lstrip("/")), incoming
        word, _, rest = incoming.text.strip().partition(" ")
        as_command = Incoming(
            platform=incoming.platform,
            user_id=incoming.user_id,
            kind="command",
            name=word.lower().lstrip("/"),
            text=rest.strip(),
            event_id=incoming.event_id,
        )
        return self._commands.get(as_command.name), as_command

    def _unknown(self, word: str) -> str:
        """The answer to a word that is no command: the command it most looks like, if one
        does (a typo: "objetive add"), and help."""
        close = difflib.get_close_matches(word.lower(), self._commands, n=1, cutoff=0.75)
        if close:
            return text("common.unknown_command_close", command=word[:40], close=close[0])
        return text("common.unknown_command", command=word[:40])

    def handle(self, runtime: Runtime, incoming: Incoming) -> Response:
        """Handle one incoming in its own transaction, in the language of whoever sent it
        (before they are known: CULTUREBOT_DEFAULT_LOCALE); never raises for a user's
        mistake."""
        with speaking(runtime.settings.default_locale):
            return self._handle(runtime, incoming)

    def _handle(self, runtime: Runtime, incoming: Incoming) -> Response:
        incoming = replace(
            incoming,
            text=plain_text(incoming.text),
            fields={name: plain_text(value) for name, value in incoming.fields.items()},
        )
        longest = max([len(incoming.text), *(len(v) for v in incoming.fields.values())])
        if longest > MAX_TEXT:
            too_long = [name for name, v in incoming.fields.items() if len(v) == longest]
            message = text("common.text_too_long", length=longest, limit=MAX_TEXT)
            return Response(
                replies=[text_message(message)],
                refused=True,
                refused_field=too_long[0] if too_long else None,
            )
        try:
            with runtime.db.session() as session:
                person = self._find_person(session, incoming.platform, incoming.user_id)
                if person is None:
                    return _reply(text("common.unknown_user", admin=runtime.settings.admin_contact))
                if not person.active:
                    return _reply(
                        text("common.inactive_user", admin=runtime.settings.admin_contact)
                    )
                if incoming.event_id and not self._first_time(
                    session, incoming.platform, incoming.event_id, runtime.clock.now()
                ):
                    log.info("dropping retry of %s event %s", incoming.platform, incoming.event_id)
                    return Response()
                with speaking(self._locale_of(person, runtime.settings.default_locale)):
                    return self._run(
                        Context(session=session, runtime=runtime, person=person), incoming
                    )
        except UserError as refusal:
            return Response(
                replies=[text_message(str(refusal))], refused=True, refused_field=refusal.field
            )

    def _run(self, ctx: Context, incoming: Incoming) -> Response:
        """The handler for ``incoming``, called for the person of ``ctx`` (in their language)."""
        handler, routed = self._find(incoming)
        if handler is None:
            return _reply(self._unknown(routed.name or incoming.text.strip()))
        response = handler(ctx, routed)
        if response.refused and incoming.event_id:
            # a refusal that keeps something (a form in progress) still did not do what was
            # asked: the same form sent again, corrected, is no retry
            self._forget(ctx.session, incoming.platform, incoming.event_id)
        return response


def _reply(message: str) -> Response:
    return Response(replies=[text_message(message)], refused=True)
