"""A person's language: ``language`` in chat shows it and the ones culturebot has,
``language de`` switches to German from the next message on, ``language auto`` goes back to
what the organisation set (the org file, Slack, Teams, CULTUREBOT_DEFAULT_LOCALE); ``home``
offers the same choice as buttons.

The choice is ``Person.chosen_locale``, the first source storage.people.locale_of reads.
"""

from __future__ import annotations

import prompts
from bot.core.chat import Button, Buttons, Incoming, Part, Response, Text, text_message
from bot.core.router import Router
from bot.core.runtime import Context
from prompts.languages import language_name, language_of
from storage import people

AUTO = "auto"
SET = "language.set"  # the home view's buttons


def _list() -> str:
    return ", ".join(f"{language_name(code)} ({code})" for code in prompts.available_locales())


def _example(current: str) -> str:
    """A language to show in examples: the first one culturebot has that is not ``current``."""
    return next((c for c in prompts.available_locales() if c != current), current)


def show(ctx: Context) -> Response:
    current = prompts.current_locale()
    words = (
        prompts.text("language.current", language=language_name(current)),
        prompts.text("language.have", languages=_list()),
        prompts.text("language.how", example=_example(current)),
    )
    return Response(replies=[text_message(" ".join(words))])


def choose(ctx: Context, typed: str) -> Response:
    """Switch to ``typed`` (a code: "de", "de-DE"; or "auto"), answering in the new language."""
    if typed.lower() == AUTO:
        ctx.person.chosen_locale = None
        key = "language.automatic"
    else:
        code = language_of(typed)
        if code is None:
            current = prompts.current_locale()
            refusal = prompts.text(
                "language.unknown", code=typed[:20], languages=_list(), example=_example(current)
            )
            return Response(replies=[text_message(refusal)], refused=True)
        ctx.person.chosen_locale = code
        key = "language.switched"
    ctx.session.add(ctx.person)
    spoken = people.locale_of(ctx.person, ctx.settings.default_locale)
    with prompts.speaking(spoken):
        said = prompts.text(key, language=language_name(spoken))
    return Response(replies=[text_message(said)])


def language(ctx: Context, incoming: Incoming) -> Response:
    typed = incoming.text.strip()
    return choose(ctx, typed) if typed else show(ctx)


def set_from_button(ctx: Context, incoming: Incoming) -> Response:
    return choose(ctx, incoming.value)


def home_parts(ctx: Context) -> list[Part]:
    """The home view's language section: which one is spoken, and a button for each other."""
    current = prompts.current_locale()
    others = [code for code in prompts.available_locales() if code != current]
    parts: list[Part] = [
        Text(text=prompts.text("language.heading"), style="heading"),
        Text(text=prompts.text("language.current", language=language_name(current))),
    ]
    if others:
        buttons = tuple(
            Button(label=language_name(code), action=SET, value=code) for code in others
        )
        parts += [
            Text(text=prompts.text("language.switch"), style="muted"),
            Buttons(buttons=buttons),
        ]
    return parts


def register(router: Router) -> None:
    router.command("language")(language)
    router.action(SET)(set_from_button)
