"""A turn at the database: taken at once when free, waited for a bounded time when not."""

import asyncio
import time

import pytest

from app.web.middleware.database_gate import DatabaseBusy, DatabaseGate, acquire_within


def test_a_free_slot_is_taken_and_a_busy_one_waited_for_until_the_time_is_up() -> None:
    async def scenario() -> None:
        slots = asyncio.Semaphore(1)
        await acquire_within(slots, 5)
        assert slots.locked()

        started = time.monotonic()
        with pytest.raises(DatabaseBusy):
            await acquire_within(slots, 0.05)
        assert 0.04 <= time.monotonic() - started < 1
        assert slots.locked(), "the one holder still holds it"

        asyncio.get_running_loop().call_later(0.05, slots.release)
        await acquire_within(slots, 5)
        assert slots.locked()

    asyncio.run(scenario())


def test_the_gate_lets_capacity_holders_through_and_turns_the_next_away() -> None:
    gate = DatabaseGate(capacity=2, timeout=0.05)

    async def scenario() -> None:
        entered = asyncio.Event()
        leave = asyncio.Event()

        async def hold() -> None:
            async with gate.turn():
                entered.set()
                await leave.wait()

        holders = [asyncio.create_task(hold()) for _ in range(2)]
        await entered.wait()
        await asyncio.sleep(0)
        with pytest.raises(DatabaseBusy):
            async with gate.turn():
                pytest.fail("a third holder got in")
        leave.set()
        await asyncio.gather(*holders)
        async with gate.turn():
            pass

    asyncio.run(scenario())
