"""Admin for watchlists and entries: deletes are soft, rows can be restored, nothing is hard-deleted."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from core.plates import plate_normalize
from watchlists import selectors, services
from watchlists.forms import WatchlistEntryAdminForm
from watchlists.models import Watchlist, WatchlistEntry
from watchlists.soft_delete_admin import (
    SOFT_DELETE_COLUMNS,
    SoftDeleteAdmin,
    WatchlistEntryStatusFilter,
    WatchlistStatusFilter,
)
from watchlists.tables import entries_phrase


class WatchlistEntryInlineFormSet(BaseInlineFormSet):
    def clean(self):
        """Refuse the same plate twice in one submission (the database would refuse it less kindly)."""
        super().clean()
        seen = set()
        for form in self.forms:
            plate = plate_normalize(getattr(form, "cleaned_data", {}).get("plate_number") or "")
            if plate and plate in seen:
                form.add_error("plate_number", "This plate is already in this form.")
            seen.add(plate)


class WatchlistEntryInline(admin.TabularInline):
    model = WatchlistEntry
    form = WatchlistEntryAdminForm
    formset = WatchlistEntryInlineFormSet
    fields = ("plate_number", "reason", "created_at", "loaded_version")
    readonly_fields = ("created_at",)
    extra = 0
    can_delete = False  # entries are soft-deleted from their own admin or the watchlist page
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        if obj is not None and obj.is_deleted:
            return False
        return super().has_add_permission(request, obj)


@admin.register(Watchlist)
class WatchlistAdmin(SoftDeleteAdmin):
    list_display = ("name", "active_entries", "created_at", "status", "deleted_by_name", "deleted_at")
    list_filter = (WatchlistStatusFilter,)
    search_fields = ("name",)
    restores_entries = True
    fields = (
        "name",
        "description",
        "created_by",
        "created_at",
        "updated_at",
        *SOFT_DELETE_COLUMNS,
    )
    readonly_fields = ("created_by", "created_at", "updated_at", *SOFT_DELETE_COLUMNS)
    inlines = [WatchlistEntryInline]

    def get_queryset(self, request):
        return selectors.watchlist_with_counts(super().get_queryset(request).select_related("deleted_by"))

    @admin.display(description="Active entries", ordering="active_entries")
    def active_entries(self, obj):
        return obj.active_entries

    def save_model(self, request, obj, form, change):
        if change:
            services.watchlist_update(
                watchlist_id=obj.pk, name=obj.name, description=obj.description, actor=request.user
            )
            return
        created = services.watchlist_create(name=obj.name, description=obj.description, actor=request.user)
        obj.pk, obj.created_by = created.pk, created.created_by
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        """Add and edit the inline's plates through the entry services, each edit at its loaded version."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for entry_form in formset.forms:
            if not entry_form.has_changed():
                continue
            values = entry_form.cleaned_data
            if entry_form.instance._state.adding:
                added = services.watchlist_entry_create(
                    watchlist_id=form.instance.pk,
                    plate_number=values["plate_number"],
                    reason=values.get("reason", ""),
                    actor=request.user,
                )
                formset.new_objects.append(added.entry)
                continue
            fields = [field for field in entry_form.changed_data if field in services.ENTRY_FIELD_LABELS]
            if fields:
                services.watchlist_entry_update(
                    entry_id=entry_form.instance.pk,
                    expected_version=values["loaded_version"],
                    changes={field: values[field] for field in fields},
                    actor=request.user,
                )
                formset.changed_objects.append((entry_form.instance, fields))

    def soft_delete(self, request, obj) -> int:
        return services.watchlist_soft_delete(watchlist_id=obj.pk, actor=request.user).watchlists

    def restore(self, request, obj) -> tuple[int, int]:
        counts = services.watchlist_restore(watchlist_id=obj.pk, actor=request.user)
        return counts.watchlists, counts.entries

    def get_deleted_objects(self, objs, request):
        """Describe the soft delete: the watchlists and the active entries that go with them."""
        watchlists = list(objs)
        entries = WatchlistEntry.all_objects.filter(
            watchlist__in=[obj.pk for obj in watchlists], is_deleted=False
        ).count()
        described = [f"Watchlist: {obj}" for obj in watchlists]
        described.append(
            f"{entries_phrase(entries, 'active entry', 'active entries')}, soft-deleted with their watchlist "
            "and restored with it"
        )
        counts = {"watchlists": len(watchlists), "watchlist entries": entries}
        return described, counts, set(), []


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(SoftDeleteAdmin):
    list_display = (
        "plate_number",
        "watchlist",
        "reason",
        "created_at",
        "status",
        "deleted_by_name",
        "deleted_at",
    )
    list_filter = (WatchlistEntryStatusFilter,)
    list_select_related = ("watchlist", "deleted_by")
    search_fields = ("plate_number", "watchlist__name")
    form = WatchlistEntryAdminForm
    fields = (
        "watchlist",
        "plate_number",
        "reason",
        "created_by",
        "created_at",
        "version",
        *SOFT_DELETE_COLUMNS,
        "loaded_version",
    )
    readonly_fields = ("created_by", "created_at", "version", *SOFT_DELETE_COLUMNS)

    def get_readonly_fields(self, request, obj=None):
        # The watchlist of an existing entry never changes (its choices are the active lists only).
        fields = super().get_readonly_fields(request, obj)
        return ("watchlist", *fields) if obj is not None else fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("watchlist", "deleted_by")

    @admin.display(description="Status")
    def status(self, obj):
        if obj.is_deleted:
            return "Deleted"
        return "Deleted with its watchlist" if obj.watchlist.is_deleted else "Active"

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.watchlist.is_deleted:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            fields = [field for field in form.changed_data if field in services.ENTRY_FIELD_LABELS]
            updated = services.watchlist_entry_update(
                entry_id=obj.pk,
                expected_version=form.cleaned_data["loaded_version"],
                changes={field: form.cleaned_data[field] for field in fields},
                actor=request.user,
            )
            obj.version = updated.version
            return
        added = services.watchlist_entry_create(
            watchlist_id=obj.watchlist_id,
            plate_number=obj.plate_number,
            reason=obj.reason,
            actor=request.user,
        )
        obj.pk, obj.version, obj.created_by = added.entry.pk, added.entry.version, added.entry.created_by
        obj._state.adding = False
        if added.restored:
            self.message_user(
                request, f"The plate {obj.plate_number} had been deleted from this watchlist: it is restored."
            )

    def soft_delete(self, request, obj) -> int:
        return services.watchlist_entry_soft_delete(entry_id=obj.pk, actor=request.user)

    def restore(self, request, obj) -> tuple[int, int]:
        return services.watchlist_entry_restore(entry_id=obj.pk, actor=request.user), 0

    def get_deleted_objects(self, objs, request):
        """Describe the soft delete: only the entries themselves change."""
        entries = list(objs)
        described = [f"Watchlist entry: {obj} (on {obj.watchlist})" for obj in entries]
        return described, {"watchlist entries": len(entries)}, set(), []
