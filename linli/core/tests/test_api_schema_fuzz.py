"""Schemathesis over the whole OpenAPI schema, as a staff member and as a resident: no server error, and no
answer that contradicts the schema (a field that can be null is declared nullable).

Bounded and deterministic (a few derandomised examples per operation, valid and invalid), so it runs in the
suite on SQLite and on PostgreSQL. It calls the WSGI application in-process, inside the test's transaction:
whatever the fuzz writes is rolled back with the test. Every operation is run even after one fails, so a
failure lists every problem at once, each with a ``curl`` line to reproduce it.
"""

import io

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from werkzeug.test import Client as WsgiClient

# Examples per operation: valid requests (positive) and requests the schema forbids (negative).
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    # As the Django test client does: the request cycle must not close the test's connection (and with it the
    # transaction that holds the test data; PostgreSQL closes it, SQLite's in-memory test database does not).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _some_rows(world) -> None:
    """Rows in the lists the personas see, so the fuzz checks real answers (nullable fields), not empty pages."""
    from linli.events import caches, services

    caches.clear_all()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    photo = SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")
    resident, staff = world.users["resident"], world.users["staff"]
    event = services.event_open(channel="app", category_code="0201", text="3栋楼下垃圾堆了三天没人清运",
                                reporter=resident, actor=resident, house=world.house_a, photos=[photo])  # fmt: skip
    services.event_accept(event=event, actor=staff, note="")
    # No category yet: category_code and category_name are null in the answers.
    services.event_open(channel="phone", category_code=None, text="5栋门口路灯不亮", actor=staff, house=world.house_b)


def _known_ids(schema, headers: dict[str, str]) -> dict[str, int]:
    """For each ``…/{id}/`` path, the id of a row the persona sees in the matching list (when there is one)."""
    # Werkzeug's client, like the fuzz: Django's test client would reconnect close_old_connections afterwards.
    client, ids = WsgiClient(schema.app), {}
    for result in schema.get_all_operations():
        path = result.ok().path
        listing = path.split("{id}")[0]
        if "{id}" in path and listing not in ids:
            response = client.get(listing, headers=headers)
            data = response.get_json() if response.status_code == 200 else []
            rows = data.get("results", []) if isinstance(data, dict) else data
            ids[listing] = rows[0]["id"] if rows else None
    return {k: v for k, v in ids.items() if v is not None}


def _has_input(operation) -> bool:
    parts = (operation.path_parameters, operation.query, operation.headers, operation.body)
    return any(len(part) for part in parts)


def _fuzz(schema, authorization: str) -> list[str]:
    failures: list[str] = []
    headers = {"Authorization": authorization}
    known = _known_ids(schema, headers)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            if mode == GenerationMode.NEGATIVE and not _has_input(operation):
                continue  # nothing that could be made invalid
            strategy = operation.as_strategy(generation_mode=mode)
            real = known.get(operation.path.split("{id}")[0]) if "{id}" in operation.path else None
            if real is not None:  # half the cases aim at a row that exists, so the operation does more than 404
                aimed = operation.as_strategy(generation_mode=mode, path_parameters={"id": real})
                strategy = st.one_of(strategy, aimed)

            @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(case=strategy)
            def run(case):
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:  # no invalid variant of its parameters exists (e.g. a free-text query)
                pass
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {str(exc).strip()[:2000]}")
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["staff", "resident"])
def test_api_answers_without_server_error_and_as_its_schema_says(world, api, wsgi_app, persona):
    _some_rows(world)
    # The ``api`` fixture makes the persona's token (whatever the token scheme); the fuzz sends the same header.
    authorization = api(world.users[persona])._credentials["HTTP_AUTHORIZATION"]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    failures = _fuzz(schema, authorization)
    assert not failures, "\n\n".join(failures)
