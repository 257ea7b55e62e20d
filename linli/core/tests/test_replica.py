"""The database router's decisions (linli.core.replica), on any database.

These tests make the router believe a replica is configured and record where each read would go, while every
query still runs on ``default`` (SQLite has no replica). That a replica really serves the reads is proved on
PostgreSQL with a streaming replica by test_replica_postgres.py.

They use real transactions (``transaction=True``): inside the test's own transaction every read stays on default
by rule, exactly as it must inside any ``transaction.atomic`` block.
"""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import router, transaction

from linli.core import dbrouter, replica
from linli.core.factories import make_id_number
from linli.people.models import Person

PERSONS = "/api/v1/persons/"


@pytest.fixture
def routed(monkeypatch):
    """A replica "configured": returns the decisions of the router for reads, as (model label, alias)."""
    decisions: list[tuple[str, str]] = []
    decide = dbrouter.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        decisions.append((model._meta.label, decide(self, model, **hints)))
        return "default"  # the query itself runs on the only database there is

    monkeypatch.setattr(replica, "enabled", lambda: True)
    monkeypatch.setattr(dbrouter.ReplicaRouter, "db_for_read", spy)
    return decisions


def where(routed, label="people.Person") -> set[str]:
    """Where the reads of ``label`` went (at least one read is required)."""
    aliases = {alias for model, alias in routed if model == label}
    assert aliases, f"no read of {label}"
    return aliases


def _create_person(client, world, name="赵六"):
    body = {"name": name, "id_number": make_id_number(dt.date(1991, 3, 8)), "house": world.house_a.pk}
    response = client.post(PERSONS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_without_a_replica_every_read_and_write_goes_to_default(monkeypatch):
    from django.conf import settings

    monkeypatch.delitem(settings.DATABASES, replica.REPLICA, raising=False)  # as without DATABASE_REPLICA_URL
    assert not replica.enabled()
    with replica.reading():
        assert router.db_for_read(Person) == "default"
        assert router.db_for_write(Person) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_go_to_the_replica_only_inside_a_reading_block_and_never_in_a_transaction(monkeypatch):
    monkeypatch.setattr(replica, "enabled", lambda: True)
    assert router.db_for_read(Person) == "default"
    with replica.reading():
        assert router.db_for_read(Person) == "replica"
        assert router.db_for_write(Person) == "default"
        with transaction.atomic():
            assert router.db_for_read(Person) == "default"  # the transaction may have written: its reads are its own
        assert router.db_for_read(Person) == "replica"
    with transaction.atomic(), replica.reading():
        assert router.db_for_read(Person) == "default"
    assert router.db_for_read(Person) == "default"


@pytest.mark.django_db(transaction=True)
def test_after_a_write_the_authors_list_reads_default_and_another_users_the_replica(world, api, routed):
    author, reader = api(world.users["grid1"]), api(world.users["staff"])
    assert "张三" in _names(reader.get(PERSONS))
    assert where(routed) == {"replica"}  # the list, its count and its rows

    routed.clear()
    created = _create_person(author, world)
    assert "replica" not in {alias for _, alias in routed}  # a write request never reads the replica
    assert author.cookies.get(replica.COOKIE) is not None

    routed.clear()
    assert created["name"] in _names(author.get(PERSONS))
    assert where(routed) == {"default"}  # the author reads the primary: their new row is there at once

    routed.clear()
    reader.get(PERSONS)
    assert where(routed) == {"replica"}  # everyone else still reads the replica


@pytest.mark.django_db(transaction=True)
def test_an_api_client_without_cookies_is_kept_on_default_by_its_user(world, api, routed):
    author = api(world.users["grid1"])
    _create_person(author, world)
    author.cookies.clear()  # a script that keeps no cookies: the user's mark in the cache still holds
    routed.clear()
    author.get(PERSONS)
    assert where(routed) == {"default"}


@pytest.mark.django_db(transaction=True)
def test_the_authors_reads_return_to_the_replica_after_the_sticky_seconds(world, api, routed, monkeypatch, settings):
    settings.LINLI_REPLICA_STICKY_SECONDS = 10
    author = api(world.users["grid1"])
    _create_person(author, world)
    later = replica._now() + 11
    monkeypatch.setattr(replica, "_now", lambda: later)
    routed.clear()
    author.get(PERSONS)
    assert where(routed) == {"replica"}


@pytest.mark.django_db(transaction=True)
def test_a_post_that_writes_nothing_reads_the_replica_and_does_not_pin(world, login, routed):
    client = login(world.users["staff"])
    routed.clear()
    response = client.post("/console/search/", {"q": "张三"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "张三" in response.content.decode()
    assert where(routed) == {"replica"}  # the search box reads the replica
    assert replica.COOKIE not in response.cookies

    routed.clear()
    assert client.get("/console/people/persons/").status_code == 200
    assert where(routed) == {"replica"}  # the console list too, its page rendered inside the block


@pytest.mark.django_db(transaction=True)
def test_a_console_write_keeps_the_authors_console_list_on_default(world, login, routed):
    client = login(world.users["staff"])
    house = world.house_a
    response = client.patch(
        f"/api/v1/houses/{house.pk}/", {"area": "88.5", "version": house.version}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    routed.clear()
    assert client.get("/console/housing/houses/").status_code == 200
    assert where(routed, "housing.House") == {"default"}


@pytest.mark.django_db(transaction=True)
def test_statistics_count_on_the_replica(world, routed):
    from linli.core.statistics import scoped_count

    routed.clear()
    assert scoped_count(world.users["staff"], "person.view", Person.objects.all()) >= 1
    assert where(routed) == {"replica"}


def test_the_replica_url_becomes_a_test_mirror_of_default(tmp_path):
    """DATABASE_REPLICA_URL → DATABASES["replica"], which tests treat as a mirror of default (no database created)."""
    env = dict(os.environ, DATABASE_REPLICA_URL="postgres://reader@127.0.0.1:5433/linli", LINLI_VAR_DIR=str(tmp_path))
    env.pop("DATABASE_URL", None)
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([sorted(s.DATABASES), s.DATABASES['replica'], s.DATABASE_ROUTERS]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(env, DJANGO_SETTINGS_MODULE="linli.settings"),
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        check=True,
    )
    aliases, replica_db, routers = json.loads(out.stdout)
    assert aliases == ["default", "replica"]
    assert (replica_db["HOST"], replica_db["PORT"], replica_db["USER"]) == ("127.0.0.1", 5433, "reader")
    assert replica_db["TEST"]["MIRROR"] == "default"
    assert routers == ["linli.core.dbrouter.ReplicaRouter"]
