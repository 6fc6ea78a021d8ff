from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="event",
            options={
                "managed": False,
                "permissions": [("view_access_log", "Can view the events search access log")],
            },
        ),
    ]
