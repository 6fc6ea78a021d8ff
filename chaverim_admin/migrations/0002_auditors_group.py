"""Create the Auditors group: who may read the events search access log (/audit/)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AUDITORS = "Auditors"
PERMISSIONS = [("events", "view_access_log")]


def create_group(apps, schema_editor):
    # The permission is new in this migrate run: make it now, as 0001_groups does, so the group can hold it.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=AUDITORS)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=AUDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chaverim_admin", "0001_groups"),
        ("events", "0002_event_access_log_permission"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
