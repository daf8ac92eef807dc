"""The shared ceiling: instances reserving from one timeline never together exceed it, every
ceiling from a fraction of one a second to none at all delivers at its rate, no sender can be
stuck however late it wakes, and an instance whose database does not answer paces itself
alone instead of stopping."""

from __future__ import annotations

import asyncio
import heapq

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.delivery.ratelimit import RateLimiter, SharedBudget


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


class EventClock:
    """A discrete-event clock for many concurrent senders: ``sleep`` parks the caller until
    the clock reaches its wake-up time (plus the lateness ``overshoot`` hands out, a loop
    that wakes late), and ``run`` moves the clock from one wake-up to the next once every
    task is parked. Counting wake-ups bounds the run, so a livelock fails instead of hanging."""

    def __init__(self, overshoot: list[float], max_wakeups: int) -> None:
        self.now = 1000.0
        self._overshoot = overshoot or [0.0]
        self._turn = 0
        self._parked: list[tuple[float, int, asyncio.Future[None]]] = []
        self.wakeups = 0
        self.max_wakeups = max_wakeups

    def wall(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        late = self._overshoot[self._turn % len(self._overshoot)]
        self._turn += 1
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._parked, (self.now + max(0.0, seconds) + late, self._turn, future))
        await future

    async def run(self, tasks: list[asyncio.Task[None]]) -> None:
        while not all(task.done() for task in tasks):
            for _ in range(30):  # let every runnable task run until it parks again
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            assert self._parked, "deadlock: every sender waits and nobody will wake it"
            self.wakeups += 1
            assert self.wakeups <= self.max_wakeups, "livelock: senders keep waking, none sends"
            at, _, future = heapq.heappop(self._parked)
            self.now = max(self.now, at)
            future.set_result(None)
        for task in tasks:
            task.result()


# the case: CULTUREBOT_SLACK_MAX_PER_SECOND=100000 sent nothing, one CPU busy
@example(rate=1e5, instances=1, late_starts=[0.0] * 3, overshoot=[1e-4], reserve_delay=1e-4)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.one_of(st.floats(0.05, 5.0), st.floats(5.0, 2000.0), st.sampled_from([1e4, 1e5, 1e6])),
    instances=st.integers(1, 3),
    late_starts=st.lists(st.floats(0.0, 3.0), min_size=3, max_size=3),
    overshoot=st.lists(
        st.one_of(st.just(0.0), st.floats(0.0, 1e-3), st.floats(0.0, 0.5)), max_size=6
    ),
    reserve_delay=st.sampled_from([0.0, 1e-4, 0.01]),
)
async def test_every_ceiling_delivers_at_its_rate_and_no_sender_is_stuck(
    rate: float,
    instances: int,
    late_starts: list[float],
    overshoot: list[float],
    reserve_delay: float,
) -> None:
    """From a fraction of one a second to "no limit" (100,000 or more), with instances that
    join late, loops that wake late and reservations that take time: every send goes. When
    nobody is late, they go at the ceiling (less the headroom) or faster, never over it."""
    sends = 24
    clock = EventClock(overshoot, max_wakeups=40 * sends)
    next_at = [0.0]

    async def reserve(name: str, count: int, gap: float, now: float, pause: float) -> float:
        await clock.sleep(reserve_delay)  # the database round trip; ``now`` is from before it
        start = max(next_at[0], now + pause)  # storage.rate_budget.reserve, in memory
        next_at[0] = start + count * gap
        return start

    budgets = [
        SharedBudget(
            "slack",
            rate,
            reserve,
            headroom=0.95,
            wall=clock.wall,
            monotonic=clock.wall,
            sleep=clock.sleep,
        )
        for _ in range(instances)
    ]
    starts: list[float] = []

    async def send(index: int) -> None:
        budget = budgets[index % instances]
        delay = late_starts[index % instances]
        if delay:
            await clock.sleep(delay - clock.now + 1000.0)  # this instance joins late
        async with budget.slot():
            starts.append(clock.now)

    began = clock.now
    tasks = [asyncio.create_task(send(i)) for i in range(sends)]
    await clock.run(tasks)
    assert len(starts) == sends  # nobody stuck, nobody lost
    gap = budgets[0].gap
    if not any(overshoot) and not reserve_delay:
        # at the ceiling or faster: no longer than the last joiner plus one gap a send
        assert max(starts) - began <= max(late_starts[:instances]) + sends * gap + 1e-6
        capacity, per = budgets[0].local.capacity, budgets[0].local.per
        starts.sort()
        for first in starts:  # and never over it, across every instance
            assert sum(1 for t in starts if first <= t < first + per - 1e-9) <= capacity
    else:
        worst = max(overshoot, default=0.0) + reserve_delay
        assert max(starts) - began <= max(late_starts[:instances]) + sends * (gap + 2 * worst) + 1


def test_a_fractional_ceiling_is_kept_exactly() -> None:
    """1.5 a second is one request per 2/3 s (not rounded down to one a second)."""
    for rate, capacity, per in ((1.5, 1, 2 / 3), (0.25, 1, 4.0), (50.0, 50, 1.0)):
        limiter = RateLimiter(rate)
        assert (limiter.capacity, round(limiter.per, 9)) == (capacity, round(per, 9))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.one_of(st.floats(0.05, 5.0), st.floats(5.0, 2000.0), st.sampled_from([1e4, 1e5, 1e6])),
    senders=st.integers(1, 8),
    overshoot=st.lists(st.one_of(st.just(0.0), st.floats(0.0, 0.5)), max_size=6),
)
async def test_one_instance_delivers_at_every_ceiling_and_no_sender_is_stuck(
    rate: float, senders: int, overshoot: list[float]
) -> None:
    """The limiter of a single instance (SQLite, or shared limits off): the same promise."""
    sends = 24
    clock = EventClock(overshoot, max_wakeups=40 * sends)
    limiter = RateLimiter(rate, headroom=0.95, monotonic=clock.wall, sleep=clock.sleep)
    starts: list[float] = []
    queue = list(range(sends))

    async def sender() -> None:
        while queue:
            queue.pop()
            async with limiter.slot():
                starts.append(clock.now)

    began = clock.now
    await clock.run([asyncio.create_task(sender()) for _ in range(senders)])
    assert len(starts) == sends
    worst = max(overshoot, default=0.0)
    assert max(starts) - began <= sends * (limiter.gap + worst) + 1e-6
    if not worst:
        starts.sort()
        for first in starts:
            assert sum(1 for t in starts if first <= t < first + limiter.per - 1e-9) <= (
                limiter.capacity
            )
