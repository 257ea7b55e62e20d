"""A real streaming replica serves the lists and the search, and an author reads their own write at once.

Runs on PostgreSQL with ``DATABASE_REPLICA_URL`` pointing at a streaming replica of ``DATABASE_URL``'s server
(CI starts one on port 5433 with ``.ci/replica``). How the test database gets there: Django treats the replica
as a test mirror of default (``TEST: {"MIRROR": "default"}``), which only gives the replica connection the test
database's *name*; host and port stay the replica's. The test database that pytest-django creates on the primary
reaches the replica through physical replication like every other database of the cluster, so the ``replica``
connection reads the very rows the test writes on ``default`` — once the replica has replayed them. Nothing is
created on the read-only replica, and no test can write there.

The tests use real transactions (rows must be committed to be replicated) and wait for the replica to replay
the primary's WAL up to the current position before they read there.
"""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test.utils import CaptureQueriesContext

from linli.core.factories import make_id_number
from linli.people.models import Person

ON_REPLICA = "replica" in settings.DATABASES and "postgresql" in settings.DATABASES["default"]["ENGINE"]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not ON_REPLICA, reason="needs PostgreSQL and DATABASE_REPLICA_URL (a streaming replica)"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"] if ON_REPLICA else ["default"]),
]
PERSONS = "/api/v1/persons/"


def _one(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def caught_up(timeout: float = 30.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    (lsn,) = _one("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while True:
        try:
            if _one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0]:
                return
        except OperationalError:  # the test database itself is not on the replica yet
            connections["replica"].close()
        if time.monotonic() > deadline:
            pytest.fail(f"the replica has not replayed the primary's WAL up to {lsn} in {timeout:.0f} s")
        time.sleep(0.05)


def person_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if '"people_person"' in q["sql"] and q["sql"].lstrip().startswith("SELECT")]


@pytest.fixture(autouse=True)
def _close_replica():
    yield
    connections["replica"].close()


def test_the_replica_connection_is_a_read_only_standby_with_the_primarys_rows(world):
    caught_up()
    primary = _one("default", "SELECT pg_is_in_recovery(), current_database(), inet_server_port()")
    standby = _one("replica", "SELECT pg_is_in_recovery(), current_database(), inet_server_port()")
    assert primary[0] is False and standby[0] is True  # a standby in recovery, streaming from the primary
    assert standby[1] == primary[1] and standby[2] != primary[2]  # the same test database, on the other server
    # A row written straight into the primary is there once replayed.
    Person.objects.filter(pk=world.person_a.pk).update(name="张三丰")
    caught_up()
    assert Person.objects.using("replica").get(pk=world.person_a.pk).name == "张三丰"
    with pytest.raises(Exception, match="read-only"):
        _one("replica", "UPDATE people_person SET name = 'x' WHERE id = %s RETURNING id", [world.person_a.pk])


def test_a_list_is_served_by_the_replica_and_a_write_is_visible_to_its_author_at_once(world, api):
    author, reader = api(world.users["grid1"]), api(world.users["staff"])
    caught_up()

    with CaptureQueriesContext(connections["replica"]) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:  # fmt: skip
        response = reader.get(PERSONS)
    assert response.status_code == 200 and "张三" in [row["name"] for row in response.json()["results"]]
    assert person_reads(on_replica.captured_queries) and not person_reads(on_primary.captured_queries)

    body = {"name": "赵六", "id_number": make_id_number(dt.date(1991, 3, 8)), "house": world.house_a.pk}
    created = author.post(PERSONS, body, format="json")
    assert created.status_code == 201, created.content

    # At once, without waiting for the replica: the author's list comes from the primary and holds the new row.
    with CaptureQueriesContext(connections["replica"]) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:  # fmt: skip
        response = author.get(PERSONS, {"name": "赵六"})
    assert [row["id"] for row in response.json()["results"]] == [created.json()["id"]]
    assert person_reads(on_primary.captured_queries) and not person_reads(on_replica.captured_queries)

    # Another user still reads the replica, where the row arrives by replication.
    caught_up()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = reader.get(PERSONS, {"name": "赵六"})
    assert [row["id"] for row in response.json()["results"]] == [created.json()["id"]]
    assert person_reads(on_replica.captured_queries)


def test_the_search_is_served_by_the_replica(world, api):
    caught_up()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = api(world.users["staff"]).post("/api/v1/search", {"q": "张三"}, format="json")
    assert response.status_code == 200 and "张三" in [p["name"] for p in response.json()["persons"]]
    assert person_reads(on_replica.captured_queries)
