"""Which questions a pulse schedule asks from: shared by pulse rounds and the disclosure gate."""

from __future__ import annotations

from functools import cache

import prompts
from prompts import QuestionBank
from storage.models import PulseSchedule


@cache
def bank_from_json(text: str) -> QuestionBank:
    return QuestionBank.model_validate_json(text)


def schedule_bank(schedule: PulseSchedule | None) -> QuestionBank:
    """The questions a schedule asks from: its own file's, else prompts/questions.yaml."""
    if schedule is not None and schedule.question_bank:
        return bank_from_json(schedule.question_bank)
    return prompts.questions()
