from django.contrib import admin

from partitions.models import MaintenanceRun


@admin.register(MaintenanceRun)
class MaintenanceRunAdmin(admin.ModelAdmin):
    """Maintenance runs are a record: readable, never edited or deleted here."""

    list_display = ("id", "started_at", "finished_at", "trigger", "user", "table", "status")
    list_filter = ("status", "trigger")
    date_hierarchy = "started_at"
    list_select_related = ("user",)
    readonly_fields = [field.name for field in MaintenanceRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
