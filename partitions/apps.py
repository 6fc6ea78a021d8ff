from django.apps import AppConfig


class PartitionsConfig(AppConfig):
    name = "partitions"
    verbose_name = "Partitions"
    default_auto_field = "django.db.models.BigAutoField"
