"""The read-replica tests: a streaming replica of the embedded server, its Django alias and app role."""

import os

import pytest

from tests.support.replica import (
    ReplicaRequestsAsRole,
    ReplicaServer,
    replica_alias_register,
    replica_alias_unregister,
    replica_name,
)


@pytest.fixture(scope="module", autouse=True)
def replica(django_db_setup):
    """Start a replica of the primary (after the test database exists) and register the `replica` alias.

    Module-scoped and autouse, so that the alias exists before each test's database set-up validates it.
    """
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the replica is made from the embedded server; DATABASE_URL points elsewhere")
    server = ReplicaServer(replica_name())
    server.create()
    server.start()
    replica_alias_register(server)
    as_role = ReplicaRequestsAsRole()
    as_role.connect()
    yield server
    as_role.disconnect()
    replica_alias_unregister()
    server.destroy()
