from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partitions", "0003_maintenancerun_abandoned"),
    ]

    operations = [
        migrations.AddField(
            model_name="maintenancerun",
            name="progress",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
