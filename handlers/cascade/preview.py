"""What a cascade would do before it is sent: who gets it at each level, which managers will
be asked to relay it (and which are on leave), and who cannot be reached on chat.

Used by ``culturebot cascade send --dry-run`` and by the chat form's preview step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bot.core.runtime import Runtime
from handlers.cascade.chain import managers_among
from handlers.people.workdays import calendar_for
from prompts import text
from storage import people
from storage.models import Identity, Person
from storage.types import row_id


@dataclass(frozen=True)
class Relayer:
    name: str
    email: str
    level: int
    on_leave_until: str | None = None


@dataclass
class Preview:
    audience: int = 0
    levels: dict[int, int] = field(default_factory=dict)  # level -> people
    relayers: list[Relayer] = field(default_factory=list)
    unreachable: list[tuple[str, str]] = field(default_factory=list)  # (name, why)

    def to_dict(self) -> dict[str, object]:
        return {
            "audience": self.audience,
            "levels": {str(k): v for k, v in sorted(self.levels.items())},
            "relayers": [r.__dict__ for r in self.relayers],
            "unreachable": [{"name": n, "why": w} for n, w in self.unreachable],
        }


def depth(person: Person) -> int:
    return len([part for part in person.path.split("/") if part])


def build(session: Session, runtime: Runtime, sender: Person) -> Preview:
    """The preview for a cascade ``sender`` would send now (nothing is written)."""
    members = people.subtree(session, sender)
    base = depth(sender)
    result = Preview(audience=len(members))
    result.levels = dict(sorted(Counter(depth(p) - base for p in members).items()))
    managers = managers_among(session, [row_id(p.id) for p in members])
    today = calendar_for(sender).local_day(runtime.clock.now())
    for person in members:
        if person.id in managers:
            leave = (
                person.paused_until
                if person.paused_until and person.paused_until >= today
                else None
            )
            result.relayers.append(
                Relayer(
                    name=person.name,
                    email=person.email,
                    level=depth(person) - base,
                    on_leave_until=leave.isoformat() if leave else None,
                )
            )
    result.relayers.sort(key=lambda r: (r.level, r.name))
    if runtime.channels:
        identities: dict[int, list[Identity]] = {}
        ids = [p.id for p in members]
        for start in range(0, len(ids), 500):
            for identity in session.exec(
                select(Identity).where(col(Identity.person_id).in_(ids[start : start + 500]))
            ):
                identities.setdefault(identity.person_id, []).append(identity)
        for person in members:
            mine = [
                i for i in identities.get(row_id(person.id), []) if i.platform in runtime.channels
            ]
            if not mine:
                why = text("cascade.preview_not_linked", channels=" / ".join(runtime.channels))
            elif all(i.unreachable for i in mine):
                why = mine[0].unreachable_reason or text("cascade.preview_unreachable")
            else:
                continue
            result.unreachable.append((person.name, why))
    return result


def as_text(preview: Preview) -> str:
    """The preview in words (chat and the CLI's --dry-run)."""
    lines = [text("cascade.preview_audience", audience=preview.audience)]
    for level, count in preview.levels.items():
        lines.append(text("cascade.preview_level", level=level, count=count))
    lines.append(text("cascade.preview_relayers", count=len(preview.relayers)))
    for r in preview.relayers:
        leave = text("cascade.preview_on_leave", until=r.on_leave_until) if r.on_leave_until else ""
        lines.append(text("cascade.preview_relayer", name=r.name, level=r.level, leave=leave))
    if preview.unreachable:
        lines.append(text("cascade.preview_cannot_reach", count=len(preview.unreachable)))
        for name, why in preview.unreachable:
            lines.append(text("cascade.preview_cannot_reach_line", name=name, why=why))
    else:
        lines.append(text("cascade.preview_all_reachable"))
    return "\n".join(lines)
