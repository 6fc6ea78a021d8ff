"""Forms of the legal hold pages: the list's filters, placing a hold, releasing one."""

import datetime as dt

from django import forms

from collectors.selectors import collector_label_queryset
from core.moments import moment_parse
from core.plates import PLATE_MAX_LENGTH
from core.validators import refuse_control_characters, refuse_control_characters_but_line_breaks
from holds import selectors
from holds.services import CASE_NUMBER_MAX_LENGTH, REASON_MAX_LENGTH

MOMENT_ERROR = "Enter a date (2019-11-01) or a date and time (2019-11-01T08:30), in UTC."


class HoldFilterForm(forms.Form):
    """Filter the hold list by status, case number and plate; invalid filters fall back to active holds."""

    status = forms.ChoiceField(
        required=False,
        choices=[
            (selectors.STATUS_ACTIVE, "Active"),
            (selectors.STATUS_RELEASED, "Released"),
            (selectors.STATUS_ALL, "All"),
        ],
    )
    case = forms.CharField(
        required=False,
        max_length=CASE_NUMBER_MAX_LENGTH,
        label="Case",
        validators=[refuse_control_characters],
    )
    plate = forms.CharField(
        required=False, max_length=64, label="Plate", validators=[refuse_control_characters]
    )

    def filters(self) -> selectors.HoldFilters:
        """Return the filters of a valid form, or active holds only for an invalid one."""
        if not self.is_valid():
            return selectors.HoldFilters()
        data = self.cleaned_data
        return selectors.HoldFilters(
            status=data["status"] or selectors.STATUS_ACTIVE,
            case_number=data["case"].strip(),
            plate_number=data["plate"].strip(),
        )


class HoldPlaceForm(forms.Form):
    """Place a hold: a case, a reason, a scope (plate and/or collector) and a UTC window [from, to)."""

    case_number = forms.CharField(
        max_length=CASE_NUMBER_MAX_LENGTH,
        label="Case number",
        validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"placeholder": "2026-0042"}),
    )
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        validators=[refuse_control_characters_but_line_breaks],
        help_text="Why these detections must be kept (court order, supervisor approval).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    plate_number = forms.CharField(
        required=False,
        max_length=64,
        label="Plate",
        help_text=f"Exact plate, at most {PLATE_MAX_LENGTH} letters and digits; empty: any plate.",
    )
    collector = forms.ModelChoiceField(
        queryset=collector_label_queryset(), required=False, empty_label="Any collector"
    )
    starts_at = forms.CharField(
        max_length=40,
        label="From (UTC)",
        widget=forms.TextInput(attrs={"placeholder": "2019-11-01"}),
    )
    ends_at = forms.CharField(
        max_length=40,
        label="To (UTC)",
        help_text="A date as To takes in that whole day; a date and time is excluded itself.",
        widget=forms.TextInput(attrs={"placeholder": "2019-11-30"}),
    )

    def _clean_moment(self, name: str) -> dt.datetime:
        try:
            return moment_parse(self.cleaned_data[name], is_end=name == "ends_at")
        except (ValueError, OverflowError):
            raise forms.ValidationError(MOMENT_ERROR) from None

    def clean_starts_at(self) -> dt.datetime:
        return self._clean_moment("starts_at")

    def clean_ends_at(self) -> dt.datetime:
        return self._clean_moment("ends_at")


class HoldReleaseForm(forms.Form):
    """Release a hold, with the reason (recorded on the hold and in the audit log)."""

    release_reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        label="Reason for the release",
        validators=[refuse_control_characters_but_line_breaks],
        error_messages={"required": "Give the reason for the release: it is recorded with the hold."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
