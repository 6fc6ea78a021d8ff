"""Forms for editing collectors on the pages and in the admin."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from collectors.errors import CONFLICT_MESSAGE
from collectors.models import EDITABLE_FIELDS, Collector
from collectors.selectors import collector_version_locked

MAX_VERSION = 2**31 - 1  # config_version is an INTEGER column
FIELD_LABELS = {"site_name": "Site name", "config": "Config (JSON object)", "is_active": "Active"}
VERSION_MISSING = "The version you loaded is missing from the form; reload the page and try again."
FORM_DAMAGED = "The form was damaged in transit; reload the page and try again."


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _has_nul(value: Any) -> bool:
    """Tell whether any string or key holds U+0000, which PostgreSQL's jsonb cannot store."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def config_pretty(config: Any) -> str:
    """Return config as JSON indented by two spaces."""
    return json.dumps(config, indent=2, ensure_ascii=False)


def same_value(first: Any, second: Any) -> bool:
    """Compare two JSON values exactly (1 and true, or 1 and 1.0, are different edits)."""
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


class ConfigJSONField(forms.JSONField):
    """A JSON object typed as text, shown pretty-printed; anything else is a form error."""

    default_error_messages = {
        "required": "Enter a JSON object, such as {}.",
        "invalid": 'Enter valid JSON (for example {"fps": 15}).',
        "not_object": "Enter a JSON object ({…}), not a list, number, string, true, false or null.",
        "unstorable": "The JSON holds text that cannot be stored (a NUL character or a lone surrogate).",
    }

    empty_values = [None, ""]  # {} is a valid config, not a missing one

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 14, "cols": 72, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.disabled:
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dict):
            converted = value
        else:
            try:
                converted = json.loads(value, parse_constant=_reject_constant)
            except (ValueError, TypeError, RecursionError):
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not isinstance(converted, dict):
            raise ValidationError(self.error_messages["not_object"], code="not_object")
        try:
            json.dumps(converted, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, RecursionError):
            raise ValidationError(self.error_messages["unstorable"], code="unstorable") from None
        if _has_nul(converted):
            raise ValidationError(self.error_messages["unstorable"], code="unstorable")
        return converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return json.loads(data, parse_constant=_reject_constant)
        except (ValueError, TypeError, RecursionError):
            return InvalidJSONInput(data)

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return config_pretty(value)


def _loaded_values(collector: Collector) -> dict[str, Any]:
    return {field: getattr(collector, field) for field in EDITABLE_FIELDS}


def _display(field: str, value: Any) -> str:
    if field == "config":
        return config_pretty(value)
    if field == "is_active":
        return "Yes" if value else "No"
    return str(value)


class CollectorEditForm(forms.Form):
    """The edit page's form: the fields, the version as loaded, and the values as loaded (for merging)."""

    site_name = forms.CharField(label=FIELD_LABELS["site_name"], max_length=100)
    config = ConfigJSONField(label=FIELD_LABELS["config"])
    is_active = forms.BooleanField(label=FIELD_LABELS["is_active"], required=False)
    config_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_VERSION,
        error_messages={key: VERSION_MISSING for key in ("required", "invalid", "min_value", "max_value")},
    )
    # JSON of site_name, config and is_active as loaded: what the editor changed is what differs from it.
    loaded = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @classmethod
    def for_collector(cls, collector: Collector) -> "CollectorEditForm":
        """Return an unbound form showing the collector as it is now."""
        values = _loaded_values(collector)
        return cls(
            initial={**values, "config_version": collector.config_version, "loaded": json.dumps(values)}
        )

    def clean_loaded(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["loaded"]
        if not raw:
            return None  # a client that does not send it overwrites every field (still version-checked)
        try:
            loaded = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise ValidationError(FORM_DAMAGED, code="damaged") from None
        if not (
            isinstance(loaded, dict)
            and set(loaded) == set(EDITABLE_FIELDS)
            and isinstance(loaded["site_name"], str)
            and isinstance(loaded["config"], dict)
            and isinstance(loaded["is_active"], bool)
        ):
            raise ValidationError(FORM_DAMAGED, code="damaged")
        return loaded

    def changes(self) -> dict[str, Any]:
        """Return the fields the editor changed from what they loaded, with the new values."""
        entered = {field: self.cleaned_data[field] for field in EDITABLE_FIELDS}
        loaded = self.cleaned_data.get("loaded")
        if loaded is None:
            return entered
        return {field: value for field, value in entered.items() if not same_value(value, loaded[field])}

    def comparison(self, current: Collector) -> list[dict[str, Any]]:
        """Return one row per field: what was loaded, what is there now, what was entered."""
        loaded = self.cleaned_data.get("loaded")
        rows = []
        for field in EDITABLE_FIELDS:
            entered = self.cleaned_data[field]
            now = getattr(current, field)
            reference = now if loaded is None else loaded[field]
            rows.append(
                {
                    "field": FIELD_LABELS[field],
                    "loaded": "(not sent)" if loaded is None else _display(field, loaded[field]),
                    "now": _display(field, now),
                    "entered": _display(field, entered),
                    "now_differs": loaded is not None and not same_value(now, loaded[field]),
                    "entered_differs": not same_value(entered, reference),
                    "is_json": field == "config",
                }
            )
        rows.append(
            {
                "field": "Version",
                "loaded": str(self.cleaned_data["config_version"]),
                "now": str(current.config_version),
                "entered": "",
                "now_differs": current.config_version != self.cleaned_data["config_version"],
                "entered_differs": False,
                "is_json": False,
            }
        )
        return rows

    def rebased_on(self, current: Collector) -> "CollectorEditForm":
        """Return the editor's changes laid over the current row, to be applied at its version."""
        changes = self.changes()
        data = {
            "site_name": self.data["site_name"] if "site_name" in changes else current.site_name,
            "config": self.data["config"] if "config" in changes else config_pretty(current.config),
            "config_version": current.config_version,
            "loaded": json.dumps(_loaded_values(current)),
        }
        is_active = changes.get("is_active", current.is_active)
        if is_active:
            data["is_active"] = "on"
        return type(self)(data=data)


class CollectorSearchForm(forms.Form):
    q = forms.CharField(label="Search site name", required=False, max_length=100)


class CollectorAdminForm(forms.ModelForm):
    """The admin's form: carries the loaded version and refuses a stale save with the conflict message."""

    config = ConfigJSONField(label=FIELD_LABELS["config"])

    class Meta:
        model = Collector
        fields = ["site_name", "config", "is_active", "config_version"]
        widgets = {"config_version": forms.HiddenInput}
        error_messages = {
            "config_version": {key: VERSION_MISSING for key in ("required", "invalid", "min_value")}
        }

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding or "config_version" not in self.fields:
            return cleaned
        loaded = cleaned.get("config_version")
        if loaded is None:
            return cleaned
        # The admin validates and saves in one transaction: the row lock taken here holds until the
        # save, so no other writer can slip in between this check and collector_update.
        current = collector_version_locked(collector_id=self.instance.pk)
        if current is None:
            raise ValidationError("This collector no longer exists.", code="gone")
        if current != loaded:
            raise ValidationError(
                [
                    ValidationError(CONFLICT_MESSAGE, code="conflict"),
                    ValidationError(
                        f"You loaded version {loaded}; it is now version {current}. Your input is kept "
                        "below: copy what you need, then reload this page to edit the latest version, "
                        "or use the collector's edit page to compare and apply your changes on top.",
                        code="conflict",
                    ),
                ]
            )
        return cleaned
