import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

# chaverim_admin (the groups) depends on every app, and every app on core's user model.
APPS_IN_REVERSE_DEPENDENCY_ORDER = (
    "chaverim_admin",
    "events",
    "partitions",
    "watchlists",
    "collectors",
    "admin",
    "core",
)


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_every_app_migrates_to_zero_and_back():
    before = _tables()
    assert {"events", "audit_log", "collectors", "watchlists", "watchlist_entries"} <= before
    for app in APPS_IN_REVERSE_DEPENDENCY_ORDER:
        call_command("migrate", app, "zero", verbosity=0)
    remaining = _tables()
    for table in ("events", "audit_log", "collectors", "watchlists", "watchlist_entries", "chaverim_user"):
        assert table not in remaining
    call_command("migrate", verbosity=0)
    assert _tables() >= before


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
