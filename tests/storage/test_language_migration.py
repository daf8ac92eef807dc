"""Upgrading a database with comments and stories tags each with its language, and takes the
English score back from those in another language ("not scored"), once, in the migration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.db import Database, alembic_config

BEFORE = "0024_results_message"


def test_existing_comments_and_stories_get_their_language_and_lose_a_foreign_score(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(db.engine), BEFORE)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, email, name, department, role, timezone,"
                " timezone_source, active, path) VALUES"
                " (1, 'a@x.io', 'A', 'Ops', 'employee', 'UTC', 'org', 1, '/1/')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_schedule (id, name, audience_kind, audience_value, weekday,"
                " local_time, every_weeks, start_date, answer_window_hours,"
                " reminder_after_hours, active) VALUES"
                " (1, 'weekly', 'org', '', 0, '09:00', 1, '2027-03-01', 72, 24, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO pulse_round (id, schedule_id, local_date, question_id, created_at,"
                " closes_at) VALUES (1, 1, '2027-03-01', 'q1', '2027-03-01 09:00:00',"
                " '2027-03-04 09:00:00')"
            )
        )
        answers = [
            (1, "The planning this week was great, thank you all!", 0.8),
            (2, "La planification de cette semaine était vraiment catastrophique.", 0.3),
            (3, None, None),  # no comment, or its words deleted by retention
        ]
        for answer_id, comment, polarity in answers:
            conn.execute(
                text(
                    "INSERT INTO pulse_answer (id, round_id, period, question_id, theme,"
                    " team_path, department, score, comment, polarity, subjectivity) VALUES"
                    " (:id, 1, '2027-W09', 'q1', 'workload', '/1/', 'Ops', 4, :comment,"
                    " :polarity, :polarity)"
                ),
                {"id": answer_id, "comment": comment, "polarity": polarity},
            )
        stories = [
            (1, "Der Kunde war begeistert, weil wir den Fehler am selben Tag behoben haben."),
            (2, "The customer called back to thank the team for the quick fix."),
        ]
        for story_id, happened in stories:
            conn.execute(
                text(
                    "INSERT INTO story (id, author_id, department, team_path, kind, consent,"
                    " what_happened, what_changed, polarity, subjectivity, created_at,"
                    " submission_key, status_version) VALUES (:id, 1, 'Ops', '/', 'story',"
                    " 'named', :happened, '', 0.5, 0.5, '2027-03-02 10:00:00', :key, 0)"
                ),
                {"id": story_id, "happened": happened, "key": f"k{story_id}"},
            )
    db.upgrade()
    assert db.is_current()
    with db.engine.connect() as conn:
        found = conn.execute(
            text("SELECT id, language, polarity, subjectivity FROM pulse_answer ORDER BY id")
        ).all()
        assert [tuple(r) for r in found] == [
            (1, "en", 0.8, 0.8),  # English keeps its score
            (2, "fr", None, None),  # French is not scored any more
            (3, None, None, None),
        ]
        found = conn.execute(text("SELECT id, language, polarity FROM story ORDER BY id")).all()
        assert [tuple(r) for r in found] == [(1, "de", None), (2, "en", 0.5)]
    db.dispose()
