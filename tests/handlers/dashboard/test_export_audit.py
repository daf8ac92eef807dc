"""Dashboard downloads are written to the audit log (who exported which view); looking at a
page is not an export."""

from __future__ import annotations

from sqlmodel import select

from storage.audit import AuditEvent
from tests.handlers.dashboard.conftest import sign_in


async def test_exports_are_audited_with_the_viewer(client, seeded) -> None:  # type: ignore[no-untyped-def]
    await sign_in(client, seeded, "m2")
    assert (await client.get("/dashboard/stories?scope=org")).status == 200
    assert (await client.get("/dashboard/export/stories.json?scope=org")).status == 200
    assert (await client.get("/dashboard/export/stories/latest.csv?scope=org")).status == 200
    with seeded.db.session() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(r.actor, r.target) for r in rows] == [
        ("m2@x.io", "dashboard stories.json"),
        ("m2@x.io", "dashboard stories/latest.csv"),
    ]
