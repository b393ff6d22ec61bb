"""Several web processes on one database, each with its own index folder, answer alike.

Two ``runserver`` processes on loopback share the test database (SQLite file or PostgreSQL);
records are approved, edited, unpublished and deleted by service calls from a third process
(this test). Stated delay: SEARCH_SYNC_INTERVAL_MS (0 here, as by default), so the very next
search of each node answers with the change.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from json import loads

import pytest
from django.conf import settings
from django.db import connection

from frenchimpact.accounts.roles import Role
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.services import organisation_approve, organisation_unpublish
from tests.accounts.factories import user_with_role

from . import builders


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def nodes(transactional_db, tmp_path):
    # Real commits (the nodes are other processes); the transactional_db fixture by name also
    # restores the role groups a previous flush removed (tests/conftest.py).
    started = []
    env_base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"node-{name}.log").open("w")
            process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=settings.BASE_DIR,
                env={
                    **env_base,
                    "DJANGO_ENV": "test",
                    "DATABASE_URL": _database_url(),
                    "VAR_DIR": str(tmp_path / f"var-{name}"),
                    "SEARCH_INDEX_DIR": str(tmp_path / f"index-{name}"),
                    "SEARCH_SYNC_INTERVAL_MS": "0",
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            started.append((process, log, f"http://127.0.0.1:{port}"))
        for process, _log, url in started:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (tmp_path / "node-a.log").read_text()
                try:
                    urllib.request.urlopen(f"{url}/api/v1/organisations/", timeout=5)  # noqa: S310
                    break
                except OSError:
                    assert time.monotonic() < deadline, "node did not start"
                    time.sleep(0.3)
        yield [url for _process, _log, url in started]
    finally:
        for process, log, _url in started:
            process.terminate()
            process.wait(timeout=20)
            log.close()


def found(url: str, q: str) -> list[int]:
    with urllib.request.urlopen(f"{url}/api/v1/organisations/?q={q}", timeout=10) as answer:  # noqa: S310
        return [item["id"] for item in loads(answer.read())["results"]]


def found_projects(url: str, q: str) -> list[int]:
    with urllib.request.urlopen(f"{url}/api/v1/projets/?q={q}", timeout=10) as answer:  # noqa: S310
        return [item["id"] for item in loads(answer.read())["results"]]


def test_two_nodes_follow_the_same_database(nodes):
    node_a, node_b = nodes
    staff = user_with_role(Role.PROGRAMME_STAFF)
    organisation = builders.organisation(name="Atelier Vélo", status=ModerationStatus.PENDING)
    project = builders.project(
        organisation_=builders.organisation(name="Porteuse"), title="Recyclerie solidaire"
    )
    assert found(node_a, "velo") == found(node_b, "velo") == []
    assert (
        found_projects(node_a, "recyclerie") == found_projects(node_b, "recyclerie") == [project.pk]
    )

    organisation_approve(organisation=organisation, actor=staff)
    # Found through both nodes at their next search (each applies the change log).
    assert found(node_b, "velo") == [organisation.pk]
    assert found(node_a, "velo") == [organisation.pk]

    organisation.name = "Atelier Vélo et Réparation"
    organisation.save()
    assert found(node_a, "reparation") == found(node_b, "reparation") == [organisation.pk]

    organisation_unpublish(organisation=organisation, actor=staff, reason="Doublon")
    assert found(node_a, "velo") == found(node_b, "velo") == []

    project.delete()
    assert found_projects(node_a, "recyclerie") == found_projects(node_b, "recyclerie") == []
