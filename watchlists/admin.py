"""Admin for watchlists and entries: deletes are soft, rows can be restored, nothing is hard-deleted."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse

from watchlists import selectors, services
from watchlists.errors import WatchlistError
from watchlists.models import Watchlist, WatchlistEntry
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

    def soft_delete(self, request, obj) -> int:
        raise NotImplementedError

    def restore(self, request, obj) -> int:
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
        restored = 0
        for obj in queryset.filter(is_deleted=True):
            try:
                restored += self.restore(request, obj)
            except WatchlistError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if restored:
            self.message_user(request, f"Restored {restored} {self._plural(restored)}.", messages.SUCCESS)
        else:
            self.message_user(request, "Nothing restored.", messages.WARNING)

    def _plural(self, count: int) -> str:
        return str(self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural)


class WatchlistEntryInlineFormSet(BaseInlineFormSet):
    def clean(self):
        """Refuse the same plate twice in one submission (the database would refuse it less kindly)."""
        super().clean()
        seen = set()
        for form in self.forms:
            plate = getattr(form, "cleaned_data", {}).get("plate_number")
            if plate and plate in seen:
                form.add_error("plate_number", "This plate is already in this form.")
            seen.add(plate)


class WatchlistEntryInline(admin.TabularInline):
    model = WatchlistEntry
    formset = WatchlistEntryInlineFormSet
    fields = ("plate_number", "reason", "created_at")
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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if instance._state.adding:
                instance.created_by = request.user
            instance.save()
        formset.save_m2m()

    def soft_delete(self, request, obj) -> int:
        return services.watchlist_soft_delete(watchlist_id=obj.pk, actor=request.user).watchlists

    def restore(self, request, obj) -> int:
        return services.watchlist_restore(watchlist_id=obj.pk, actor=request.user).watchlists

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
    fields = (
        "watchlist",
        "plate_number",
        "reason",
        "created_by",
        "created_at",
        *SOFT_DELETE_COLUMNS,
    )
    readonly_fields = ("created_by", "created_at", *SOFT_DELETE_COLUMNS)

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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def soft_delete(self, request, obj) -> int:
        return services.watchlist_entry_soft_delete(entry_id=obj.pk, actor=request.user)

    def restore(self, request, obj) -> int:
        return services.watchlist_entry_restore(entry_id=obj.pk, actor=request.user)

    def get_deleted_objects(self, objs, request):
        """Describe the soft delete: only the entries themselves change."""
        entries = list(objs)
        described = [f"Watchlist entry: {obj} (on {obj.watchlist})" for obj in entries]
        return described, {"watchlist entries": len(entries)}, set(), []
