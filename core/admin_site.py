"""The project's admin site: Django's, with query parameters checked before any changelist reads them.

Every ModelAdmin view goes through `AdminSite.admin_view`, so one check here covers every changelist,
ours and those of installed apps (axes, auth), including the next one registered.
"""

import datetime as dt
import re
from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect

# The date drill-down (`date_hierarchy`) and the __year/__month/__day lookups: <field>__year=2026 etc.
_DATE_PART = re.compile(r"^(?P<field>.+)__(?P<part>year|month|day)$")
_NEXT_PERIOD = {"day": dt.timedelta(days=1), "month": dt.timedelta(days=32)}


def _date_lookups_valid(params) -> bool:
    """Tell whether every __year/__month/__day parameter names a date whose next period exists too."""
    fields: dict[str, dict[str, str]] = {}
    for key, value in params.items():
        match = _DATE_PART.match(key)
        if match:
            fields.setdefault(match["field"], {})[match["part"]] = value
    for parts in fields.values():
        try:
            year, month, day = (int(parts.get(part, "1")) for part in ("year", "month", "day"))
            start = dt.datetime(year, month, day)
            # As the changelist bounds its query: the next day, month or year must exist as well.
            finest = "day" if "day" in parts else "month" if "month" in parts else "year"
            if finest == "year":
                start.replace(year=year + 1)
            else:
                start + _NEXT_PERIOD[finest]
        except (ValueError, OverflowError):
            return False
    return True


def query_parameters_valid(request) -> bool:
    """Tell whether an admin request's query parameters can reach a changelist's query safely.

    PostgreSQL text cannot hold NUL, and a date drill-down at year 9999 overflows Python's dates; both would
    otherwise fail inside the query, as a 500.
    """
    if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
        return False
    return _date_lookups_valid(request.GET)


class ChaverimAdminSite(admin.AdminSite):
    """Django's admin, answering unusable query parameters as the changelist answers wrong lookups."""

    site_header = "Chaverim Admin"
    site_title = "Chaverim Admin"

    def admin_view(self, view, cacheable=False):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if request.method in ("GET", "HEAD") and not query_parameters_valid(request):
                # What Django's changelist does with lookups it cannot use: start over with ?e=1.
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)


class ChaverimAdminConfig(AdminConfig):
    """`django.contrib.admin` with ChaverimAdminSite as `admin.site` (INSTALLED_APPS names this class)."""

    default_site = "core.admin_site.ChaverimAdminSite"
