"""comments and stories gain language; story sentiment may be "not scored"; cells count them

Revision ID: 0025_text_language
Revises: 0024_results_message
Create Date: 2026-12-08 01:00:00

Sentiment was scored as if every text were English. Each pulse comment, assessment comment
and story now keeps the language it is written in (``language``: an ISO 639-1 code, "und"
when too short or mixed to tell, NULL where there is no text), and only English ("und"
included, as before) is scored: the others keep NULL polarity ("not scored"), so a story's
polarity and subjectivity become nullable. A published cell counts the texts it did not
score (``unscored``).

Existing rows are backfilled here, once: every row that still has its text is detected
(bot/core/language.py, which loads lingua only if there is such a row) and, in another
language, loses the English score it was given. Rows whose words retention already deleted
keep their score and no language (nothing is left to tell it from). Published cells are
snapshots and stay as they were. The scored languages are fixed here as they were when this
revision was written, so adding a scorer later does not change what this migration does.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from bot.core.language import detect

revision: str = "0025_text_language"
down_revision: str | Sequence[str] | None = "0024_results_message"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORED = ("en", "und")
BATCH = 1000
TEXTS: dict[str, tuple[tuple[str, ...], bool]] = {
    # table: (its text columns, joined by a line break as when scored; has subjectivity)
    "pulse_answer": (("comment",), True),
    "pulse_answer_pending": (("comment",), True),
    "assessment_comment": (("comment",), False),
    "story": (("what_happened", "what_changed"), True),
}


def upgrade() -> None:
    for table in TEXTS:
        op.add_column(table, sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("story") as batch:
        batch.alter_column("polarity", existing_type=sa.Float(), nullable=True)
        batch.alter_column("subjectivity", existing_type=sa.Float(), nullable=True)
    op.add_column("disclosure_cell", sa.Column("unscored", sa.Integer(), nullable=True))
    bind = op.get_bind()
    for table, (columns, subjective) in TEXTS.items():
        _backfill(bind, table, columns, subjective, detect)


def _backfill(
    bind: sa.engine.Connection,
    table: str,
    columns: tuple[str, ...],
    subjective: bool,
    language_of: Callable[[str], str | None],
) -> None:
    """Detect the language of every row of ``table`` that has text, a batch at a time."""
    t = sa.table(
        table,
        sa.column("id", sa.Integer),
        sa.column("language", sa.String),
        sa.column("polarity", sa.Float),
        *(sa.column(c, sa.Text) for c in columns),
        *((sa.column("subjectivity", sa.Float),) if subjective else ()),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(t.c.id, *(t.c[c] for c in columns))
            .where(t.c.id > last, t.c[columns[0]].is_not(None))
            .order_by(t.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            text = "\n".join(str(v) for v in row[1:] if v)
            language = language_of(text)
            values: dict[str, object] = {"language": language}
            if language is not None and language not in SCORED:
                values["polarity"] = None
                if subjective:
                    values["subjectivity"] = None
            bind.execute(sa.update(t).where(t.c.id == row[0]).values(**values))
        last = rows[-1][0]


def downgrade() -> None:
    # the old schema needs a story score: texts that were not scored count as neutral
    story = sa.table("story", sa.column("polarity", sa.Float), sa.column("subjectivity", sa.Float))
    op.execute(sa.update(story).where(story.c.polarity.is_(None)).values(polarity=0.0))
    op.execute(sa.update(story).where(story.c.subjectivity.is_(None)).values(subjectivity=0.0))
    with op.batch_alter_table("disclosure_cell") as batch:
        batch.drop_column("unscored")
    with op.batch_alter_table("story") as batch:
        batch.alter_column("subjectivity", existing_type=sa.Float(), nullable=False)
        batch.alter_column("polarity", existing_type=sa.Float(), nullable=False)
    for table in reversed(TEXTS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
