import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from collectors.selectors import collector_label_queryset
from core.moments import moment_parse
from core.plates import PLATE_MAX_LENGTH, plate_is_valid, plate_normalize
from core.validators import refuse_control_characters
from events.access_log import LOOKS, SEARCHES, AccessLogCriteria, AccessLogCursor
from events.selectors import EventCriteria, EventCursor, PlateQuery

DEFAULT_WINDOW = dt.timedelta(days=7)
CURSOR_MAX_LENGTH = 400
PURPOSE_MIN_CHARACTERS = 4
PURPOSE_MAX_LENGTH = 500
CASE_NUMBER_MAX_LENGTH = 64


class TimeWindowFieldsMixin:
    """Clean the `start` and `end` (UTC moments) and `cursor` fields of the search and access-log forms."""

    cursor_class: type
    moment_error: str

    def _clean_moment(self, name: str) -> dt.datetime | None:
        raw = self.cleaned_data[name].strip()
        if not raw:
            return None
        try:
            return moment_parse(raw, is_end=name == "end")
        except (ValueError, OverflowError):
            raise forms.ValidationError(self.moment_error) from None

    def clean_start(self):
        return self._clean_moment("start")

    def clean_end(self):
        return self._clean_moment("end")

    def clean_cursor(self):
        token = self.cleaned_data["cursor"].strip()
        if not token:
            return None
        cursor = self.cursor_class.decode(token) if len(token) <= CURSOR_MAX_LENGTH else None
        # A damaged page link only loses the position: show the first page rather than an error.
        self.cursor_ignored = cursor is None
        return cursor


class EventSearchForm(TimeWindowFieldsMixin, forms.Form):
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
        widget=forms.TextInput(attrs={"placeholder": "2026-11-01T08:30"}),
    )
    end = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "now"}),
    )
    # Recorded in the access log with every page of results (California Civ. Code §1798.90.52).
    purpose = forms.CharField(
        max_length=PURPOSE_MAX_LENGTH,
        help_text="Why you are searching; recorded in the access log with your name.",
        validators=[refuse_control_characters],
        error_messages={"required": "State the purpose of this search: it is recorded in the access log."},
        widget=forms.TextInput(attrs={"placeholder": "Reason for this search"}),
    )
    case_number = forms.CharField(
        required=False,
        max_length=CASE_NUMBER_MAX_LENGTH,
        validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"placeholder": "Optional"}),
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Whole seconds, so that the window written into page links is exactly the one searched.
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.cursor_ignored = False
        self.fields["purpose"].required = settings.EVENTS_REQUIRE_PURPOSE

    def clean_purpose(self) -> str:
        purpose = self.cleaned_data["purpose"]  # stripped; control characters already refused
        meaningful = sum(1 for character in purpose if character.isprintable() and not character.isspace())
        if purpose and meaningful < PURPOSE_MIN_CHARACTERS:
            raise forms.ValidationError(
                f"Describe the purpose in at least {PURPOSE_MIN_CHARACTERS} characters, not counting spaces."
            )
        return purpose

    def clean_plate(self) -> PlateQuery | None:
        raw = self.cleaned_data["plate"].strip()
        if not raw:
            return None
        is_prefix = raw.endswith("*")
        value = plate_normalize(raw.rstrip("*") if is_prefix else raw)
        if not value:
            raise forms.ValidationError("Enter at least one letter or digit before the *.")
        if not plate_is_valid(value[:PLATE_MAX_LENGTH]):
            raise forms.ValidationError(
                "A plate has only letters and digits (spaces and dashes are ignored; * only at the end)."
            )
        if len(value) > PLATE_MAX_LENGTH:
            raise forms.ValidationError(f"A plate has at most {PLATE_MAX_LENGTH} letters and digits.")
        return PlateQuery(value=value, is_prefix=is_prefix)

    cursor_class = EventCursor
    moment_error = (
        "Enter a date (2026-11-01) or a date and time (2026-11-01T08:30 or 2026-11-01T08:30:15), in UTC."
    )

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
        return {**params, **self.window_params(), **self.access_params()}

    def access_params(self) -> dict[str, str]:
        """Return the purpose and case number, which every link from the results carries over."""
        return {
            name: self.cleaned_data[name] for name in ("purpose", "case_number") if self.cleaned_data[name]
        }


class AccessLogFilterForm(TimeWindowFieldsMixin, forms.Form):
    """Filter the search access log by user, plate, case number, UTC time window and kind of access."""

    DEFAULT_WINDOW = dt.timedelta(days=30)
    KINDS = {"searches": SEARCHES, "looks": LOOKS}

    username = forms.CharField(
        required=False, max_length=150, label="User", validators=[refuse_control_characters]
    )
    plate = forms.CharField(
        required=False,
        max_length=64,
        help_text="Searches that could show this plate: for it, or for a prefix of it.",
    )
    case_number = forms.CharField(
        required=False, max_length=CASE_NUMBER_MAX_LENGTH, validators=[refuse_control_characters]
    )
    start = forms.CharField(
        required=False, max_length=40, widget=forms.TextInput(attrs={"placeholder": "30 days ago"})
    )
    end = forms.CharField(required=False, max_length=40, widget=forms.TextInput(attrs={"placeholder": "now"}))
    kind = forms.ChoiceField(
        required=False,
        choices=[("searches", "Events searches"), ("looks", "Views and exports of this log")],
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The next whole second: the window (written into page links) takes in everything up to now.
        self.now = (now or timezone.now()).replace(microsecond=0) + dt.timedelta(seconds=1)
        self.cursor_ignored = False

    def clean_plate(self) -> str | None:
        raw = self.cleaned_data["plate"].strip()
        if not raw:
            return None
        value = plate_normalize(raw)
        if not plate_is_valid(value):
            raise forms.ValidationError(
                f"A plate has 1 to {PLATE_MAX_LENGTH} letters and digits (spaces and dashes are ignored)."
            )
        return value

    cursor_class = AccessLogCursor
    moment_error = "Enter a date (2026-11-01) or a date and time (2026-11-01T08:30), in UTC."

    def clean(self):
        cleaned = super().clean()
        if "start" not in cleaned or "end" not in cleaned:
            return cleaned
        end_at = cleaned["end"] or self.now
        try:
            start_at = cleaned["start"] or end_at - self.DEFAULT_WINDOW
        except OverflowError:
            raise forms.ValidationError("That date is out of range.") from None
        if end_at <= start_at:
            raise forms.ValidationError("The end must be after the start (an empty end means now).")
        cleaned["start_at"], cleaned["end_at"] = start_at, end_at
        return cleaned

    def criteria(self) -> AccessLogCriteria:
        """Return the selector's criteria from a valid form."""
        data = self.cleaned_data
        return AccessLogCriteria(
            start_at=data["start_at"],
            end_at=data["end_at"],
            actions=self.KINDS[data["kind"] or "searches"],
            username=data["username"].strip() or None,
            plate=data["plate"],
            case_number=data["case_number"] or None,
        )

    def filter_params(self) -> dict[str, str]:
        """Return the filters as query parameters (window resolved), for page links and the CSV export."""
        data = self.cleaned_data
        params = {
            "username": data["username"].strip(),
            "plate": data["plate"] or "",
            "case_number": data["case_number"],
            "start": data["start_at"].strftime("%Y-%m-%dT%H:%M:%S"),
            "end": data["end_at"].strftime("%Y-%m-%dT%H:%M:%S"),
            "kind": data["kind"],
        }
        return {name: value for name, value in params.items() if value}
