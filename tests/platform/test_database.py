import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, update

from subgraphs.common.database import Database
from tests.support.databases import postgres_database

metadata = MetaData()
counters = Table("counters", metadata, Column("id", Integer, primary_key=True), Column("value", Integer, nullable=False))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/counter.db"
    else:
        with postgres_database("platform") as url:
            yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    await db.create_schema(metadata)
    async with db.transaction() as session:
        await session.execute(counters.insert().values(id=1, value=0))
    yield db
    await db.dispose()


async def test_concurrent_read_modify_write_loses_no_update(database: Database) -> None:
    """Each task reads the counter, yields to the others, then writes value+1."""

    async def increment() -> None:
        async with database.transaction() as session:
            value = await session.scalar(select(counters.c.value).where(counters.c.id == 1).with_for_update())
            await asyncio.sleep(0.001)  # let the other tasks interleave between read and write
            await session.execute(update(counters).where(counters.c.id == 1).values(value=value + 1))

    await asyncio.gather(*(increment() for _ in range(40)))
    async with database.session() as session:
        assert await session.scalar(select(counters.c.value)) == 40


async def test_failed_transaction_rolls_back(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await session.execute(update(counters).values(value=99))
            raise RuntimeError("boom")
    async with database.session() as session:
        assert await session.scalar(select(counters.c.value)) == 0


async def test_ping_reports_reachability(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert await database.ping()
    broken = Database("postgresql://nobody@127.0.0.1:1/none")
    assert not await broken.ping()
    await broken.dispose()


async def test_reads_do_not_wait_for_an_open_write_transaction(database: Database) -> None:
    """A reader sees the last committed value at once while a writer holds its lock (WAL/MVCC)."""

    async def read() -> int | None:
        async with database.session() as session:
            return await session.scalar(select(counters.c.value).where(counters.c.id == 1))

    async with database.transaction() as writer:
        await writer.execute(update(counters).where(counters.c.id == 1).values(value=7))
        # Several readers at once, each within two seconds (the busy timeout is ten).
        values = await asyncio.wait_for(asyncio.gather(*(read() for _ in range(5))), timeout=2)
        assert values == [0] * 5
    assert await read() == 7
