"""The shared ceiling: instances reserving from one timeline never together exceed it, and an
instance whose database does not answer paces itself alone instead of stopping."""

from __future__ import annotations

import asyncio

from bot.ratelimit import SharedBudget


class Timeline:
    """What storage.rate_budget.reserve does, in memory, on a fake wall clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.next_at = 0.0
        self.fail = False

    def wall(self) -> float:
        return self.now

    def clocks(self) -> dict[str, object]:
        return {"wall": self.wall, "monotonic": self.wall, "sleep": self.sleep}

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)

    async def reserve(self, name: str, count: int, gap: float, now: float, pause: float) -> float:
        if self.fail:
            raise ConnectionError("database away")
        start = max(self.next_at, now + pause)
        self.next_at = start + count * gap
        return start


async def test_instances_sharing_a_timeline_stay_under_the_ceiling() -> None:
    timeline = Timeline()
    instances = [SharedBudget("slack", 50, timeline.reserve, **timeline.clocks()) for _ in range(3)]
    starts: list[float] = []

    async def send(budget: SharedBudget) -> None:
        async with budget.slot():
            starts.append(timeline.now)

    await asyncio.gather(*(send(instances[i % 3]) for i in range(150)))
    starts.sort()
    assert len(starts) == 150
    # never more than 50 starts in any second, across all three instances
    assert max(sum(1 for t in starts if s <= t < s + 1.0) for s in starts) <= 50


async def test_a_database_that_does_not_answer_leaves_the_instance_pacing_alone() -> None:
    timeline = Timeline()
    timeline.fail = True
    budget = SharedBudget("slack", 10, timeline.reserve, **timeline.clocks())
    starts = []
    for _ in range(5):
        async with budget.slot():
            starts.append(timeline.now)
    assert [round(b - a, 3) for a, b in zip(starts, starts[1:], strict=False)] == [0.1] * 4
