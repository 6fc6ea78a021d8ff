"""Create the staff groups and give each the permissions of its job."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Operations": [
        ("partitions", "view_partitions"),
        ("partitions", "run_maintenance"),
        ("partitions", "view_maintenancerun"),
    ],
    "Watchlist editors": [
        ("watchlists", "view_watchlist"),
        ("watchlists", "add_watchlist"),
        ("watchlists", "change_watchlist"),
        ("watchlists", "delete_watchlist"),
        ("watchlists", "restore_watchlist"),
        ("watchlists", "view_watchlistentry"),
        ("watchlists", "add_watchlistentry"),
        ("watchlists", "change_watchlistentry"),
        ("watchlists", "delete_watchlistentry"),
    ],
    "Collector admins": [
        ("collectors", "view_collector"),
        ("collectors", "change_collector"),
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0001_initial"),
        ("partitions", "0001_initial"),
        ("watchlists", "0001_initial"),
        ("collectors", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
