"""The shared optimistic-locking form: what changed, the loaded / now / yours comparison, apply on top."""

from dataclasses import dataclass

from django import forms

from core.versioning import NOT_SENT, VersionedEditForm, version_form_field


@dataclass
class Row:
    name: str
    active: bool
    version: int


class RowForm(VersionedEditForm):
    name = forms.CharField(label="Name")
    active = forms.BooleanField(label="Active", required=False)
    version = version_form_field()

    editable_fields = ("name", "active")


def _posted(row: Row, **entered) -> RowForm:
    data = {**RowForm.loaded_initial(row), **entered}
    if not data.pop("active"):
        data.pop("active", None)
    else:
        data["active"] = "on"
    form = RowForm(data=data)
    assert form.is_valid(), form.errors
    return form


def test_changes_are_the_fields_that_differ_from_what_was_loaded():
    form = _posted(Row("North", True, 3), name="South")
    assert form.changes() == {"name": "South"}


def test_without_what_was_loaded_every_field_counts_as_changed():
    form = RowForm(data={"name": "North", "active": "on", "version": "3"})
    assert form.is_valid()
    assert form.changes() == {"name": "North", "active": True}
    assert form.comparison(Row("North", True, 4))[0]["loaded"] == NOT_SENT


def test_a_damaged_loaded_value_is_a_form_error():
    form = RowForm(data={"name": "North", "version": "3", "loaded": '{"name": "North"}'})
    assert not form.is_valid()
    assert "damaged in transit" in form.errors["loaded"][0]


def test_comparison_marks_what_moved_and_what_was_entered():
    form = _posted(Row("North", True, 3), name="South")
    rows = {row["field"]: row for row in form.comparison(Row("North", False, 4))}
    assert (rows["Name"]["now_differs"], rows["Name"]["entered_differs"]) == (False, True)
    assert (rows["Active"]["now_differs"], rows["Active"]["entered_differs"]) == (True, False)
    assert (rows["Version"]["loaded"], rows["Version"]["now"], rows["Version"]["now_differs"]) == (
        "3",
        "4",
        True,
    )


def test_rebased_on_keeps_my_changes_over_the_latest_row_at_its_version():
    form = _posted(Row("North", True, 3), name="South")
    rebased = form.rebased_on(Row("North", False, 4))
    assert rebased.is_valid()
    assert (
        rebased.cleaned_data["name"],
        rebased.cleaned_data["active"],
        rebased.cleaned_data["version"],
    ) == (
        "South",
        False,
        4,
    )
    assert rebased.changes() == {"name": "South"}
