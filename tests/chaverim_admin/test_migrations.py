import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

APPS_IN_REVERSE_DEPENDENCY_ORDER = ("partitions", "watchlists", "collectors", "admin", "chaverim_admin")
# chaverim_admin 0002 (groups) depends on the apps, so it is unapplied first.
FIRST = ("chaverim_admin", "0001_initial")


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_every_app_migrates_to_zero_and_back():
    before = _tables()
    assert {"events", "audit_log", "collectors", "watchlists", "watchlist_entries"} <= before
    call_command("migrate", *FIRST, verbosity=0)
    for app in APPS_IN_REVERSE_DEPENDENCY_ORDER:
        call_command("migrate", app, "zero", verbosity=0)
    remaining = _tables()
    for table in ("events", "audit_log", "collectors", "watchlists", "watchlist_entries", "chaverim_user"):
        assert table not in remaining
    call_command("migrate", verbosity=0)
    assert _tables() >= before


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
