"""Forms of the watchlist pages: a watchlist, a plate, a plate's versioned edit, a hotlist import."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.plates import plate_normalize, validate_plate
from core.validators import (
    has_control_characters,
    refuse_control_characters,
    refuse_control_characters_but_line_breaks,
)
from core.versioning import VersionedEditForm, admin_version_check, version_form_field
from watchlists import selectors
from watchlists.errors import ENTRY_CONFLICT_MESSAGE, HotlistError
from watchlists.hotlist import MAX_BYTES, Hotlist, hotlist_decode, hotlist_file_check, hotlist_read
from watchlists.models import Watchlist, WatchlistEntry

PLATE_INPUT_MAX_LENGTH = 40  # as typed, before spaces and dashes are dropped (stored: at most 20)
HOTLIST_EXAMPLE = "ABC123,Stolen 2026-11-02\nXYZ-987,Reported by patrol"


class WatchlistForm(forms.ModelForm):
    """A watchlist's name and description; a name an active watchlist has (any case) is an error."""

    class Meta:
        model = Watchlist
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class WatchlistEntryForm(forms.Form):
    """A plate (normalized as stored and searched) and why it is on the list."""

    plate_number = forms.CharField(
        label="Plate",
        max_length=PLATE_INPUT_MAX_LENGTH,
        validators=[validate_plate],
        help_text="Letters and digits; spaces and dashes are dropped (abc-123 is ABC123).",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[refuse_control_characters_but_line_breaks],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_plate_number(self) -> str:
        return plate_normalize(self.cleaned_data["plate_number"])


class WatchlistEntryQuickAddForm(WatchlistEntryForm):
    """The watchlist page's one-line form to add a plate (it posts to the add page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget = forms.TextInput()
        self.fields["plate_number"].help_text = ""


class WatchlistEntryEditForm(VersionedEditForm, WatchlistEntryForm):
    """A plate's edit at the version loaded: refused if the entry changed since, then compared and merged."""

    version = version_form_field()

    editable_fields = ("plate_number", "reason")

    def loaded_is_well_formed(self, loaded: dict[str, Any]) -> bool:
        return all(isinstance(loaded[field], str) for field in self.editable_fields)

    def display(self, field: str, value: Any) -> str:
        return value if value else "—"


class HotlistImportForm(forms.Form):
    """A hotlist pasted or uploaded (CSV: plate, reason), read into lines; `digest` names the preview."""

    text = forms.CharField(
        label="Paste plates",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 12, "maxlength": MAX_BYTES, "spellcheck": "false", "placeholder": HOTLIST_EXAMPLE}
        ),
        help_text="One plate a line, then a comma and the reason (optional). A first line “plate,reason” is "
        "skipped.",
    )
    upload = forms.FileField(
        label="or upload a CSV file",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        help_text="UTF-8, up to 10,000 plates and 1 MiB.",
    )
    # Where the lines came from, for the audit log ("pasted", or the uploaded file's name).
    source = forms.CharField(
        required=False, max_length=200, widget=forms.HiddenInput, validators=[refuse_control_characters]
    )
    # The preview's digest (watchlists.hotlist.HotlistPlan.digest): an apply writes only what it names.
    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text") or "", cleaned.get("upload")
        if self.errors:
            return cleaned
        if upload and text.strip():
            raise ValidationError("Paste a list or choose a file, not both.", code="both")
        if not upload and not text.strip():
            raise ValidationError("Paste a list of plates or choose a CSV file.", code="empty")
        try:
            if upload:
                hotlist_file_check(name=upload.name, size=upload.size)
                text = hotlist_decode(upload.read())
                cleaned["source"] = "uploaded file" if has_control_characters(upload.name) else upload.name
            hotlist = hotlist_read(text)
        except HotlistError as exc:
            raise ValidationError(str(exc), code="hotlist") from None
        cleaned["text"], cleaned["hotlist"] = text, hotlist
        cleaned["source"] = cleaned.get("source") or "pasted"
        return cleaned

    @property
    def hotlist(self) -> Hotlist:
        return self.cleaned_data["hotlist"]


class WatchlistEntryAdminForm(forms.ModelForm):
    """The admin's entry form (its own page and the watchlist's inline): a stale save is a form error."""

    loaded_version = version_form_field()

    class Meta:
        model = WatchlistEntry
        fields = ["watchlist", "plate_number", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            self.fields["loaded_version"].required = False
        else:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        # An inline row left as it was is not written, so it cannot conflict.
        if self.instance._state.adding or loaded is None or not self.has_changed():
            return cleaned
        admin_version_check(
            loaded=loaded,
            current=selectors.watchlist_entry_version_locked(entry_id=self.instance.pk),
            noun="plate",
            conflict_message=ENTRY_CONFLICT_MESSAGE,
            edit_url=reverse("watchlists:entry_edit", args=[self.instance.watchlist_id, self.instance.pk]),
        )
        return cleaned
