"""The admin base of soft-deletable rows: deletes are soft, rows can be restored, the status filters."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.http import HttpResponseRedirect
from django.urls import reverse

from watchlists import selectors
from watchlists.errors import WatchlistError
from watchlists.tables import entries_phrase

SOFT_DELETE_COLUMNS = ("is_deleted", "deleted_at", "deleted_by")
SOFT_DELETE_NOTE = "They can be restored: filter by Deleted, select them and run “Restore selected”."


class StatusListFilter(admin.SimpleListFilter):
    """Active (the default, with no parameter), Deleted or All."""

    title = "status"
    parameter_name = "status"
    status_filter = None  # the selector that applies a status to a queryset

    def lookups(self, request, model_admin):
        return selectors.STATUS_CHOICES

    def choices(self, changelist):
        current = selectors.status_normalize(self.value())
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        return type(self).status_filter(queryset, self.value())


class WatchlistStatusFilter(StatusListFilter):
    status_filter = staticmethod(selectors.watchlist_status_filter)


class WatchlistEntryStatusFilter(StatusListFilter):
    status_filter = staticmethod(selectors.watchlist_entry_status_filter)


class SoftDeleteAdmin(admin.ModelAdmin):
    """Route every admin delete through the soft-delete services and offer a restore action."""

    actions = ["delete_selected", "restore_selected"]
    readonly_fields = SOFT_DELETE_COLUMNS
    show_full_result_count = False  # one COUNT per page, not two
    show_facets = admin.ShowFacets.NEVER
    empty_value_display = "—"
    restores_entries = False  # whether a restored row brings entries back with it (a watchlist does)

    def soft_delete(self, request, obj) -> int:
        raise NotImplementedError

    def restore(self, request, obj) -> tuple[int, int]:
        """Restore one row; return how many rows came back and how many entries came back with them."""
        raise NotImplementedError

    def has_restore_permission(self, request):
        return request.user.has_perm("watchlists.restore_watchlist")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_deleted:
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        queryset = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @admin.display(description="Status", boolean=False)
    def status(self, obj):
        return "Deleted" if obj.is_deleted else "Active"

    @admin.display(description="Deleted by", ordering="deleted_by__username")
    def deleted_by_name(self, obj):
        return obj.deleted_by.get_username() if obj.deleted_by else "—"

    def log_deletions(self, request, queryset):
        """Leave logging to the services, which write the admin log and the audit log together."""
        return []

    def log_addition(self, request, obj, message):
        return None  # the create service wrote the admin log entry (and the audit_log row)

    def log_change(self, request, obj, message):
        return None  # the update services wrote the admin log entries (and the audit_log rows)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WatchlistError as exc:
            # A clash committed between the form's checks and the save (the form reports the others).
            self.message_user(request, f"{exc} Nothing was saved.", messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_model(self, request, obj):
        self.soft_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.soft_delete(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            f"The {self.opts.verbose_name} “{obj_display}” was deleted. It can be restored: filter by "
            "Deleted and run “Restore selected”.",
            messages.SUCCESS,
        )
        post_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        preserved = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return HttpResponseRedirect(add_preserved_filters(preserved, post_url))

    @admin.action(
        permissions=["delete"], description="Delete selected %(verbose_name_plural)s (can be restored)"
    )
    def delete_selected(self, request, queryset):
        if not request.POST.get("post"):
            # The confirmation page, with get_deleted_objects below saying what is soft-deleted.
            return django_delete_selected(self, request, queryset)
        deleted = failed = 0
        for obj in queryset.filter(is_deleted=False):
            try:
                deleted += self.soft_delete(request, obj)
            except WatchlistError as exc:
                failed += 1
                self.message_user(request, str(exc), messages.ERROR)
        if deleted:
            self.message_user(
                request,
                f"Deleted {deleted} {self._plural(deleted)}. {SOFT_DELETE_NOTE}",
                messages.SUCCESS,
            )
        elif not failed:
            self.message_user(request, "Nothing to delete: the selected rows were already deleted.")
        return None

    @admin.action(permissions=["restore"], description="Restore selected %(verbose_name_plural)s")
    def restore_selected(self, request, queryset):
        restored = entries = 0
        for obj in queryset.filter(is_deleted=True):
            try:
                rows, with_them = self.restore(request, obj)
            except WatchlistError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            restored, entries = restored + rows, entries + with_them
        if restored:
            with_entries = f" with {entries_phrase(entries)}" if self.restores_entries else ""
            self.message_user(
                request, f"Restored {restored} {self._plural(restored)}{with_entries}.", messages.SUCCESS
            )
        else:
            self.message_user(request, "Nothing restored.", messages.WARNING)

    def _plural(self, count: int) -> str:
        return str(self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural)
