from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from collectors.errors import CONFLICT_MESSAGE, ConflictError
from collectors.forms import CollectorAdminForm
from collectors.models import EDITABLE_FIELDS, Collector
from collectors.services import collector_create, collector_update


@admin.register(Collector)
class CollectorAdmin(admin.ModelAdmin):
    """Collectors in the admin: every save is version-checked; no bulk edits, no hard delete."""

    form = CollectorAdminForm
    list_display = ("site_name", "is_active", "config_version", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("site_name",)
    ordering = ("site_name",)
    readonly_fields = ("id", "version", "created_at", "updated_at")
    # No bulk actions: none of them could carry each row's loaded version; and collectors are platform
    # rows, so delete_selected is gone too (has_delete_permission below).
    actions = None

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["site_name", "config", "is_active"]  # the database sets version 1 on insert
        return [
            "id",
            "site_name",
            "config",
            "is_active",
            "version",
            "created_at",
            "updated_at",
            "config_version",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    @admin.display(description="Version")
    def version(self, obj):
        return obj.config_version

    def has_delete_permission(self, request, obj=None):
        # Collectors belong to the platform (events refer to them); they are deactivated, not deleted.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            created = collector_create(
                site_name=obj.site_name, config=obj.config, is_active=obj.is_active, actor=request.user
            )
            obj.pk = created.pk
            obj._state.adding = False
            obj.config_version = created.config_version
            return
        updated = collector_update(
            collector_id=obj.pk,
            expected_version=form.cleaned_data["config_version"],
            changes={
                field: form.cleaned_data[field] for field in form.changed_data if field in EDITABLE_FIELDS
            },
            actor=request.user,
        )
        obj.config_version = updated.config_version
        obj.updated_at = updated.updated_at

    def log_addition(self, request, obj, message):
        return None  # collector_create wrote the admin log entry (and the audit_log row)

    def log_change(self, request, obj, message):
        return None  # collector_update wrote the admin log entry (and the audit_log row)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConflictError:
            # Only reachable if the form's row lock was not held (e.g. outside a transaction).
            self.message_user(request, f"{CONFLICT_MESSAGE}. Nothing was saved.", messages.ERROR)
            return HttpResponseRedirect(request.path)
