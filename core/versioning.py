"""Optimistic locking shared by every versioned table: the bumping queryset, the edit form, the comparison.

A versioned row (a collector's `config_version`, a watchlist entry's `version`) starts at 1 and gains 1 on
every write; an edit carries the version it loaded and is written only if the row is still there. A stale
edit is refused, shown against what is there now, and can be applied on top of the latest version.
"""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.html import format_html

MAX_VERSION = 2**31 - 1  # versions are INTEGER columns
VERSION_MISSING = "The version you loaded is missing from the form; reload the page and try again."
FORM_DAMAGED = "The form was damaged in transit; reload the page and try again."
NOT_SENT = "(not sent)"


class UnversionedWriteError(TypeError):
    """A write tried to bypass a row's version (set it by hand, or bulk-write without bumping it)."""


class VersionConflictError(Exception):
    """The row is no longer at the version the caller loaded; nothing was written."""

    message = "This row was modified by another request"
    version_field = "version"

    def __init__(self, *, current, expected_version: int):
        """Keep the row as it is now (`current`) and the version the caller expected."""
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            f"{self.message}: {current._meta.verbose_name} {current.pk} is at version "
            f"{getattr(current, self.version_field)}, not {expected_version}"
        )


class VersionedQuerySetMixin:
    """Bump the version of every row an update() changes, so that editors holding an older copy conflict."""

    version_field = "version"
    write_service = "the model's update service"  # named by the error that refuses a bulk write

    def update(self, **kwargs):
        if self.version_field in kwargs:
            raise UnversionedWriteError(
                f"{self.version_field} is bumped by every update; it cannot be set by hand"
            )
        kwargs[self.version_field] = F(self.version_field) + 1
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        """Refuse: a bulk write cannot check each row's loaded version."""
        raise UnversionedWriteError(f"use {self.write_service} for each row")


def admin_version_check(
    *, loaded: int, current: int | None, noun: str, conflict_message: str, edit_url: str
) -> None:
    """Refuse an admin save made from a stale copy: the conflict message, and a link to compare and merge.

    `current` is the row's version now, read with the row locked: the admin validates and saves in one
    transaction, so no other writer can slip in between this check and the save.
    """
    if current is None:
        raise ValidationError(f"This {noun} no longer exists.", code="gone")
    if current != loaded:
        raise ValidationError(
            [
                ValidationError(conflict_message, code="conflict"),
                ValidationError(
                    format_html(
                        "You loaded version {}; it is now version {}. Your input is kept below: copy what "
                        "you need, then reload this page to edit the latest version, or use "
                        '<a href="{}">the {}\'s edit page</a> to compare and apply your changes on top.',
                        loaded,
                        current,
                        edit_url,
                        noun,
                    ),
                    code="conflict",
                ),
            ]
        )


def version_form_field() -> forms.IntegerField:
    """Return the hidden field that carries the version an edit loaded."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=MAX_VERSION,
        error_messages={key: VERSION_MISSING for key in ("required", "invalid", "min_value", "max_value")},
    )


class VersionedEditForm(forms.Form):
    """An edit form that carries the version and the values it loaded, to refuse, compare and merge.

    Subclasses declare the editable fields, a version field (`version_form_field()`) named by
    `version_field`, and may override how values are compared, shown and serialized.
    """

    editable_fields: tuple[str, ...] = ()
    version_field = "version"
    block_fields: frozenset[str] = frozenset()  # shown preformatted in the comparison
    loaded_dumps = staticmethod(json.dumps)
    loaded_loads = staticmethod(json.loads)

    # The editable values as loaded, as JSON: what the editor changed is what differs from it.
    loaded = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @classmethod
    def loaded_values(cls, row) -> dict[str, Any]:
        """Return the editable values of `row` as they are now."""
        return {field: getattr(row, field) for field in cls.editable_fields}

    @classmethod
    def loaded_initial(cls, row) -> dict[str, Any]:
        """Return the initial data of an unbound form showing `row` as it is now."""
        values = cls.loaded_values(row)
        version = getattr(row, cls.version_field)
        return {**values, cls.version_field: version, "loaded": cls.loaded_dumps(values)}

    def same(self, field: str, first: Any, second: Any) -> bool:
        return first == second

    def display(self, field: str, value: Any) -> str:
        return str(value)

    def loaded_is_well_formed(self, loaded: dict[str, Any]) -> bool:
        """Tell whether the loaded values have the types the fields hold (a hook for subclasses)."""
        return True

    def clean_loaded(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["loaded"]
        if not raw:
            return None  # a client that does not send it overwrites every field (still version-checked)
        try:
            loaded = self.loaded_loads(raw)
        except (ValueError, RecursionError):
            raise ValidationError(FORM_DAMAGED, code="damaged") from None
        if not (
            isinstance(loaded, dict)
            and set(loaded) == set(self.editable_fields)
            and self.loaded_is_well_formed(loaded)
        ):
            raise ValidationError(FORM_DAMAGED, code="damaged")
        return loaded

    def changes(self) -> dict[str, Any]:
        """Return the fields the editor changed from what they loaded, with the new values."""
        entered = {field: self.cleaned_data[field] for field in self.editable_fields}
        loaded = self.cleaned_data.get("loaded")
        if loaded is None:
            return entered
        return {
            field: value for field, value in entered.items() if not self.same(field, value, loaded[field])
        }

    def comparison(self, current) -> list[dict[str, Any]]:
        """Return one row per field (what was loaded, what is there now, what was entered), then the version.

        Without what the client loaded, every entered value counts as a change. The rows feed
        templates/_conflict.html.
        """
        loaded = self.cleaned_data.get("loaded")
        now = self.loaded_values(current)
        rows = []
        for field in self.editable_fields:
            entered = self.cleaned_data[field]
            reference = now[field] if loaded is None else loaded[field]
            rows.append(
                {
                    "field": str(self.fields[field].label),
                    "loaded": NOT_SENT if loaded is None else self.display(field, loaded[field]),
                    "now": self.display(field, now[field]),
                    "entered": self.display(field, entered),
                    "now_differs": loaded is not None and not self.same(field, now[field], loaded[field]),
                    "entered_differs": not self.same(field, entered, reference),
                    "is_block": field in self.block_fields,
                }
            )
        loaded_version = self.cleaned_data[self.version_field]
        now_version = getattr(current, self.version_field)
        rows.append(
            {
                "field": "Version",
                "loaded": str(loaded_version),
                "now": str(now_version),
                "entered": "",
                "now_differs": now_version != loaded_version,
                "entered_differs": False,
                "is_block": False,
            }
        )
        return rows

    def rebased_on(self, current) -> "VersionedEditForm":
        """Return the editor's changes laid over `current`, as typed, to be applied at its version."""
        changes = self.changes()
        data = {
            field: self.data.get(field) if field in changes else self.fields[field].prepare_value(value)
            for field, value in self.loaded_values(current).items()
        }
        data[self.version_field] = getattr(current, self.version_field)
        data["loaded"] = self.loaded_dumps(self.loaded_values(current))
        return type(self)(data=data)
