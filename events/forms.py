import datetime as dt
import re

from django import forms
from django.conf import settings
from django.utils import timezone

from collectors.selectors import collector_label_queryset
from events.selectors import EventCriteria, EventCursor, PlateQuery

DEFAULT_WINDOW = dt.timedelta(days=7)
PLATE_MAX_LENGTH = 20
CURSOR_MAX_LENGTH = 400
_PLATE_SEPARATORS = re.compile(r"[\s\-]+")
_PLATE_ALLOWED = re.compile(r"[A-Z0-9]+")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def plate_normalize(raw: str) -> str:
    """Upper-case a plate and drop spaces and dashes, as plates are stored."""
    return _PLATE_SEPARATORS.sub("", raw).upper()


def _parse_moment(raw: str, *, is_end: bool) -> dt.datetime:
    """Parse a date or date-time, read in UTC unless it names its offset.

    A bare date as the end means the end of that day, i.e. the next midnight (the window is half-open).
    """
    if _DATE_ONLY.fullmatch(raw):
        day = dt.date.fromisoformat(raw)
        if is_end:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


class EventSearchForm(forms.Form):
    """Filter events by plate, collector and a UTC time window; resolve the window's defaults."""

    plate = forms.CharField(
        required=False,
        max_length=64,
        help_text="Exact plate; end with * for a prefix (ABC*).",
        widget=forms.TextInput(attrs={"placeholder": "ABC123 or ABC*", "autofocus": True}),
    )
    collector = forms.ModelChoiceField(
        queryset=collector_label_queryset(),
        required=False,
        empty_label="Any collector",
    )
    start = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "2026-11-01 or 2026-11-01T08:30"}),
    )
    end = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "now"}),
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Whole seconds, so that the window written into page links is exactly the one searched.
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.cursor_ignored = False

    def clean_plate(self) -> PlateQuery | None:
        raw = self.cleaned_data["plate"].strip()
        if not raw:
            return None
        is_prefix = raw.endswith("*")
        value = plate_normalize(raw.rstrip("*") if is_prefix else raw)
        if not value:
            raise forms.ValidationError("Enter at least one letter or digit before the *.")
        if not _PLATE_ALLOWED.fullmatch(value):
            raise forms.ValidationError(
                "A plate has only letters and digits (spaces and dashes are ignored; * only at the end)."
            )
        if len(value) > PLATE_MAX_LENGTH:
            raise forms.ValidationError(f"A plate has at most {PLATE_MAX_LENGTH} letters and digits.")
        return PlateQuery(value=value, is_prefix=is_prefix)

    def _clean_moment(self, name: str) -> dt.datetime | None:
        raw = self.cleaned_data[name].strip()
        if not raw:
            return None
        try:
            return _parse_moment(raw, is_end=name == "end")
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                "Enter a date (2026-11-01) or a date and time (2026-11-01T08:30 or 2026-11-01T08:30:15), "
                "in UTC."
            ) from None

    def clean_start(self):
        return self._clean_moment("start")

    def clean_end(self):
        return self._clean_moment("end")

    def clean_cursor(self) -> EventCursor | None:
        token = self.cleaned_data["cursor"].strip()
        if not token:
            return None
        cursor = EventCursor.decode(token) if len(token) <= CURSOR_MAX_LENGTH else None
        # A damaged page link only loses the position: show the first page rather than an error.
        self.cursor_ignored = cursor is None
        return cursor

    def clean(self):
        cleaned = super().clean()
        if "start" not in cleaned or "end" not in cleaned:
            return cleaned  # a field error is already shown
        end_at = cleaned["end"] or self.now
        try:
            start_at = cleaned["start"] or end_at - DEFAULT_WINDOW
        except OverflowError:
            raise forms.ValidationError("That date is out of range.") from None
        if end_at <= start_at:
            raise forms.ValidationError("The end must be after the start (an empty end means now).")
        max_days = settings.EVENTS_MAX_WINDOW_DAYS
        if end_at - start_at > dt.timedelta(days=max_days):
            raise forms.ValidationError(
                f"The time window is at most {max_days} days; narrow the start or the end."
            )
        cleaned["start_at"], cleaned["end_at"] = start_at, end_at
        return cleaned

    def window_params(self) -> dict[str, str]:
        """Return start and end as typed, or the resolved defaults, so later pages keep the same window."""
        params = {}
        for name, key in (("start", "start_at"), ("end", "end_at")):
            typed = self.data.get(name, "").strip()
            params[name] = typed or self.cleaned_data[key].strftime("%Y-%m-%dT%H:%M:%S")
        return params

    def criteria(self) -> EventCriteria:
        """Return the selector's criteria from a valid form."""
        collector = self.cleaned_data["collector"]
        return EventCriteria(
            start_at=self.cleaned_data["start_at"],
            end_at=self.cleaned_data["end_at"],
            plate=self.cleaned_data["plate"],
            collector_id=collector.pk if collector else None,
        )

    def search_params(self) -> dict[str, str]:
        """Return the query parameters of this search (without the cursor), window resolved."""
        params = {}
        if self.cleaned_data["plate"]:
            params["plate"] = str(self.cleaned_data["plate"])
        if self.cleaned_data["collector"]:
            params["collector"] = str(self.cleaned_data["collector"].pk)
        return {**params, **self.window_params()}
