"""Imports every table module so SQLModel.metadata is complete (Alembic, tests, create_all)."""

from sqlmodel import SQLModel

import storage.audit  # noqa: F401
import storage.cascade_models  # noqa: F401
import storage.conversations  # noqa: F401
import storage.dashboard  # noqa: F401
import storage.disclosure_models  # noqa: F401
import storage.job_marks  # noqa: F401
import storage.models  # noqa: F401
import storage.results  # noqa: F401
import storage.roadmap  # noqa: F401
import storage.stories  # noqa: F401
import storage.tick_state  # noqa: F401

storage.models.describe_outbox_due_index()
metadata = SQLModel.metadata
