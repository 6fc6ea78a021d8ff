"""Forms for editing collectors on the pages and in the admin."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.urls import reverse

from collectors.config_json import (
    MAX_DIGITS,
    ConfigJSONDecoder,
    ConfigJSONEncoder,
    config_dumps,
    config_loads,
    config_numbers_problem,
)
from collectors.errors import CONFLICT_MESSAGE
from collectors.models import EDITABLE_FIELDS, Collector
from collectors.selectors import collector_version_locked
from core.validators import refuse_control_characters
from core.versioning import VERSION_MISSING, VersionedEditForm, admin_version_check, version_form_field

FIELD_LABELS = {"site_name": "Site name", "config": "Config (JSON object)", "is_active": "Active"}


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
    """Return config as JSON indented by two spaces, numbers exactly as stored."""
    return config_dumps(config, indent=2)


def same_value(first: Any, second: Any) -> bool:
    """Compare two JSON values exactly (1 and true, or 1 and 1.0, are different edits)."""
    return config_dumps(first, sort_keys=True) == config_dumps(second, sort_keys=True)


class ConfigJSONField(forms.JSONField):
    """A JSON object typed as text, shown pretty-printed; anything else is a form error."""

    default_error_messages = {
        "required": "Enter a JSON object, such as {}.",
        "invalid": 'Enter valid JSON (for example {"fps": 15}).',
        "not_object": "Enter a JSON object ({…}), not a list, number, string, true, false or null.",
        "unstorable": "The JSON holds text that cannot be stored (a NUL character or a lone surrogate).",
        "too_large": "A number is too large: numbers must lie between -1.7e308 and 1.7e308.",
        "too_precise": f"A number has too many digits (at most {MAX_DIGITS}).",
    }

    empty_values = [None, ""]  # {} is a valid config, not a missing one

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 14, "cols": 72, "spellcheck": "false"}))
        kwargs.setdefault("encoder", ConfigJSONEncoder)  # has_changed() compares with it
        kwargs.setdefault("decoder", ConfigJSONDecoder)
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
                converted = config_loads(value)
            except (ValueError, TypeError, RecursionError):
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not isinstance(converted, dict):
            raise ValidationError(self.error_messages["not_object"], code="not_object")
        problem = config_numbers_problem(converted)
        if problem:
            raise ValidationError(self.error_messages[problem], code=problem)
        try:
            config_dumps(converted).encode("utf-8")
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
            parsed = config_loads(data)
            # Shown again pretty-printed: a lone surrogate (\ud800 typed as such) could not be sent to the
            # browser as UTF-8, so such input is shown as typed.
            config_dumps(parsed).encode("utf-8")
        except (ValueError, TypeError, RecursionError):
            return InvalidJSONInput(data)
        return parsed

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return config_pretty(value)


class CollectorEditForm(VersionedEditForm):
    """The edit page's form: the fields, the version as loaded, and the values as loaded (for merging)."""

    site_name = forms.CharField(
        label=FIELD_LABELS["site_name"], max_length=100, validators=[refuse_control_characters]
    )
    config = ConfigJSONField(label=FIELD_LABELS["config"])
    is_active = forms.BooleanField(label=FIELD_LABELS["is_active"], required=False)
    config_version = version_form_field()

    editable_fields = EDITABLE_FIELDS
    version_field = "config_version"
    block_fields = frozenset({"config"})
    # What was loaded travels as JSON with exact numbers, as the config is stored.
    loaded_dumps = staticmethod(config_dumps)
    loaded_loads = staticmethod(config_loads)

    @classmethod
    def for_collector(cls, collector: Collector) -> "CollectorEditForm":
        """Return an unbound form showing the collector as it is now."""
        return cls(initial=cls.loaded_initial(collector))

    def loaded_is_well_formed(self, loaded: dict[str, Any]) -> bool:
        return (
            isinstance(loaded["site_name"], str)
            and isinstance(loaded["config"], dict)
            and isinstance(loaded["is_active"], bool)
        )

    def same(self, field: str, first: Any, second: Any) -> bool:
        return same_value(first, second)

    def display(self, field: str, value: Any) -> str:
        if field == "config":
            return config_pretty(value)
        if field == "is_active":
            return "Yes" if value else "No"
        return str(value)


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
        admin_version_check(
            loaded=loaded,
            current=collector_version_locked(collector_id=self.instance.pk),
            noun="collector",
            conflict_message=CONFLICT_MESSAGE,
            edit_url=reverse("collectors:edit", args=[self.instance.pk]),
        )
        return cleaned
