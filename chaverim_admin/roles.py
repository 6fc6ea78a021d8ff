"""The staff groups and the permissions of each job (the groups migration made them first)."""

from django.contrib.auth.models import Group, Permission

OPERATIONS = "Operations"
WATCHLIST_EDITORS = "Watchlist editors"
COLLECTOR_ADMINS = "Collector admins"
AUDITORS = "Auditors"
LEGAL = "Legal"

GROUP_PERMISSIONS = {
    OPERATIONS: [
        "partitions.view_partitions",
        "partitions.run_maintenance",
        "partitions.view_maintenancerun",
    ],
    WATCHLIST_EDITORS: [
        "watchlists.view_watchlist",
        "watchlists.add_watchlist",
        "watchlists.change_watchlist",
        "watchlists.delete_watchlist",
        "watchlists.restore_watchlist",
        "watchlists.view_watchlistentry",
        "watchlists.add_watchlistentry",
        "watchlists.change_watchlistentry",
        "watchlists.delete_watchlistentry",
        "alerts.view_alert",
        "alerts.acknowledge_alert",
    ],
    COLLECTOR_ADMINS: [
        "collectors.view_collector",
        "collectors.change_collector",
    ],
    AUDITORS: [
        "events.view_access_log",
    ],
    LEGAL: [
        "holds.view_hold",
        "holds.add_hold",
        "holds.release_hold",
    ],
}


def staff_group_ensure(*, name: str) -> Group:
    """Return the named staff group, (re)creating it with its permissions if needed."""
    group, _ = Group.objects.get_or_create(name=name)
    for perm in GROUP_PERMISSIONS[name]:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group
