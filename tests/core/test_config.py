"""Settings are checked when read: a default language culturebot does not have is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.core.config import Settings


def test_the_default_locale_is_a_language_culturebot_has(languages) -> None:
    languages(de={})
    assert Settings(_env_file=None).default_locale == "en"  # type: ignore[call-arg]
    assert Settings(default_locale="de-DE", _env_file=None).default_locale == "de"  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match=r"no language 'pt' \(it has: en, de\)"):
        Settings(default_locale="pt", _env_file=None)  # type: ignore[call-arg]
