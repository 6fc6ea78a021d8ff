"""The Alerts page (recent watchlist hits, queued first) and the acknowledgement of a hit."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from alerts.errors import CONFLICT_MESSAGE, AlertConflictError
from alerts.forms import FORM_DAMAGED, AlertAcknowledgeForm, AlertFilterForm
from alerts.models import Alert
from alerts.selectors import alert_page, alert_related_label
from alerts.services import alert_acknowledge

VIEW_ALERT = "alerts.view_alert"
ACKNOWLEDGE_ALERT = "alerts.acknowledge_alert"


@dataclass(frozen=True)
class AlertRow:
    """A hit with the labels of its watchlist, entry and collector (None when that row is gone)."""

    alert: Alert
    watchlist_name: str | None
    watchlist_deleted: bool
    entry_reason: str | None
    entry_deleted: bool
    collector_label: str | None
    watchlist_url: str

    @classmethod
    def of(cls, alert: Alert) -> "AlertRow":
        return cls(
            alert=alert,
            watchlist_name=alert_related_label(alert, "watchlist", "name"),
            watchlist_deleted=bool(alert_related_label(alert, "watchlist", "is_deleted")),
            entry_reason=alert_related_label(alert, "entry", "reason"),
            entry_deleted=bool(alert_related_label(alert, "entry", "is_deleted")),
            collector_label=alert_related_label(alert, "collector", "site_name"),
            watchlist_url=reverse("watchlists:detail", kwargs={"pk": alert.watchlist_id}),
        )


def _query(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}"


@require_safe
@permission_required(VIEW_ALERT, raise_exception=True)
def alert_list_page(request):
    """List recent hits, queued first then newest first, filtered, one keyset page at a time."""
    form = AlertFilterForm(request.GET)
    context = {"form": form, "page": None, "rows": []}
    if form.is_valid():
        page = alert_page(criteria=form.criteria(), cursor=form.cleaned_data["cursor"])
        path, filters = reverse("alerts:list"), form.filter_params()
        context.update(
            page=page,
            rows=[AlertRow.of(alert) for alert in page.alerts],
            next_url=page.next_cursor and _query(path, {**filters, "cursor": page.next_cursor.encode()}),
            previous_url=page.previous_cursor
            and _query(path, {**filters, "cursor": page.previous_cursor.encode()}),
        )
    return render(request, "alerts/list.html", context)


def _back(request) -> HttpResponseRedirect:
    """Redirect to the form's `next` (the page the user acted from) when it is a local URL, else the list."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("alerts:list")
    return HttpResponseRedirect(target)


def _conflict_message(current: Alert) -> str:
    processed = f", processed at {current.processed_at:%Y-%m-%d %H:%M:%S} UTC" if current.processed_at else ""
    return (
        f"{CONFLICT_MESSAGE}: the hit on {current.plate_number} is now {current.get_status_display().lower()}"
        f"{processed}. Nothing was changed; the list below shows it as it is now."
    )


@require_POST
@permission_required(ACKNOWLEDGE_ALERT, raise_exception=True)
def alert_acknowledge_page(request):
    """Acknowledge one hit if it is still as the user saw it; else say who was first. Then go back."""
    form = AlertAcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was acknowledged. {FORM_DAMAGED}")
        return _back(request)
    data = form.cleaned_data
    try:
        done = alert_acknowledge(
            alert_id=data["id"],
            created_at=data["created_at"],
            seen_status=data["status"],
            seen_processed_at=data["processed_at"],
            actor=request.user,
        )
    except Alert.DoesNotExist:
        raise Http404("No such alert") from None
    except AlertConflictError as conflict:
        messages.error(request, _conflict_message(conflict.current))
        return _back(request)
    messages.success(request, f"Acknowledged the hit on {done.plate_number}.")
    return _back(request)
