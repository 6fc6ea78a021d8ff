"""Create the Legal group (legal holds), and let Watchlist editors see and acknowledge alerts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LEGAL = "Legal"
GROUP_PERMISSIONS = {
    LEGAL: [("holds", "view_hold"), ("holds", "add_hold"), ("holds", "release_hold")],
    "Watchlist editors": [("alerts", "view_alert"), ("alerts", "acknowledge_alert")],
}


def create_groups(apps, schema_editor):
    # The permissions are new in this migrate run: make them now, as 0001_groups does.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in permissions:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.filter(name=LEGAL).delete()
    editors = Group.objects.filter(name="Watchlist editors").first()
    if editors is not None:
        editors.permissions.remove(*Permission.objects.filter(content_type__app_label="alerts"))


class Migration(migrations.Migration):
    dependencies = [
        ("chaverim_admin", "0002_auditors_group"),
        ("holds", "0001_initial"),
        ("alerts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
