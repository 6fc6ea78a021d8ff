"""Forms of the Alerts page: its filters, and the acknowledgement of one hit."""

import datetime as dt

from django import forms

from alerts.models import Alert
from alerts.selectors import BIGINT_MAX, AlertCriteria, AlertCursor, alert_cursor_fits
from collectors.selectors import collector_label_queryset
from core.plates import plate_normalize, validate_plate

CURSOR_MAX_LENGTH = 400
MOMENT_MAX_LENGTH = 40
FORM_DAMAGED = "The form was damaged in transit; reload the page and try again."


class AlertFilterForm(forms.Form):
    """Filter the hits by status, plate (normalized, exact) and collector; carry the keyset position."""

    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Alert.Status.choices])
    plate = forms.CharField(
        required=False,
        max_length=64,
        help_text="Exact plate; case, spaces and dashes are ignored.",
        widget=forms.TextInput(attrs={"placeholder": "ABC123"}),
    )
    collector = forms.ModelChoiceField(
        queryset=collector_label_queryset(), required=False, empty_label="Any collector"
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_ignored = False

    def clean_plate(self) -> str | None:
        raw = self.cleaned_data["plate"].strip()
        if not raw:
            return None
        validate_plate(raw)  # the rule every plate field follows; raises the form's error
        return plate_normalize(raw)

    def clean_cursor(self) -> AlertCursor | None:
        token = self.cleaned_data["cursor"].strip()
        if not token:
            return None
        cursor = AlertCursor.decode(token) if len(token) <= CURSOR_MAX_LENGTH else None
        # A damaged page link only loses the position: show the first page rather than an error.
        self.cursor_ignored = cursor is None
        return cursor

    def clean(self) -> dict:
        data = super().clean()
        cursor = data.get("cursor")
        # A cursor from the half the status filter hides (a stale or edited link): the first page instead.
        status = data.get("status") or None
        if cursor is not None and "status" in data and not alert_cursor_fits(status=status, cursor=cursor):
            data["cursor"], self.cursor_ignored = None, True
        return data

    def criteria(self) -> AlertCriteria:
        """Return the selector's criteria from a valid form."""
        collector = self.cleaned_data["collector"]
        return AlertCriteria(
            status=self.cleaned_data["status"] or None,
            plate=self.cleaned_data["plate"],
            collector_id=collector.pk if collector else None,
        )

    def filter_params(self) -> dict[str, str]:
        """Return the filters as query parameters (without the cursor), for page links."""
        data = self.cleaned_data
        params = {
            "status": data["status"],
            "plate": data["plate"] or "",
            "collector": str(data["collector"].pk) if data["collector"] else "",
        }
        return {name: value for name, value in params.items() if value}


def _moment(raw: str) -> dt.datetime:
    """Parse an ISO-8601 moment that names its offset (as the page wrote it), to the microsecond."""
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    return moment.astimezone(dt.UTC)


class AlertAcknowledgeForm(forms.Form):
    """The hit to acknowledge (id, created_at) and its status and processed_at as the user saw them."""

    id = forms.IntegerField(min_value=1, max_value=BIGINT_MAX)
    created_at = forms.CharField(max_length=MOMENT_MAX_LENGTH)
    status = forms.ChoiceField(choices=Alert.Status.choices)
    processed_at = forms.CharField(required=False, max_length=MOMENT_MAX_LENGTH)

    def _clean_moment(self, name: str) -> dt.datetime | None:
        raw = self.cleaned_data[name].strip()
        if not raw and name == "processed_at":
            return None
        try:
            return _moment(raw)
        except (ValueError, OverflowError):
            raise forms.ValidationError(FORM_DAMAGED) from None

    def clean_created_at(self) -> dt.datetime:
        return self._clean_moment("created_at")

    def clean_processed_at(self) -> dt.datetime | None:
        return self._clean_moment("processed_at")
