"""Search and status filters of the watchlist pages."""

import django_filters

from watchlists import selectors


class StatusFilterSet(django_filters.FilterSet):
    """A status filter that always applies: missing or invalid means active, never every row."""

    status = django_filters.ChoiceFilter(
        label="Status", choices=selectors.STATUS_CHOICES, empty_label=None, method="filter_status"
    )

    def filter_queryset(self, queryset):
        # django-filter skips empty and invalid values; the status must still apply then.
        status = self.form.cleaned_data.get("status") or selectors.STATUS_ACTIVE
        queryset = self.filter_status(queryset, "status", status)
        for name, value in self.form.cleaned_data.items():
            if name != "status":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def current_status(self) -> str:
        """The status the rows were filtered by."""
        return selectors.status_normalize(self.form.cleaned_data.get("status") if self.is_valid() else None)


class WatchlistFilter(StatusFilterSet):
    q = django_filters.CharFilter(label="Name or plate", max_length=100, method="filter_q")

    def filter_q(self, queryset, name, value):
        return selectors.watchlist_search(queryset, value)

    def filter_status(self, queryset, name, value):
        return selectors.watchlist_status_filter(queryset, value)


class WatchlistEntryFilter(StatusFilterSet):
    def filter_status(self, queryset, name, value):
        return selectors.watchlist_entry_status_filter(queryset, value)
