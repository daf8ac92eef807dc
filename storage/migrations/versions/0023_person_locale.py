"""person gains locale, chosen_locale, slack_locale and teams_locale

Revision ID: 0023_person_locale
Revises: 0022_comment_link
Create Date: 2026-12-08 01:00:00

Every person is spoken to in their own language (issue 24). The language is the first of: their
own choice in chat (``chosen_locale``), the org file's ``locale`` column, the locale Slack
reports at sync (``slack_locale``, e.g. "de-DE"), the locale of their latest Teams activity
(``teams_locale``), then CULTUREBOT_DEFAULT_LOCALE (storage.people.locale_of). The platforms'
values are kept as they said them, so a language added later is picked up without a new sync.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_person_locale"
down_revision: str | Sequence[str] | None = "0022_comment_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("chosen_locale", "locale", "slack_locale", "teams_locale")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("person", sa.Column(name, sa.String(length=35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
