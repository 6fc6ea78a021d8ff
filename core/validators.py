"""Validators shared by the apps' models and forms."""

from django.core.validators import RegexValidator

CONTROL_CHARACTERS_MESSAGE = "Control characters (such as U+0001 or a line break) are not allowed here."


def _control_characters_validator(pattern: str, message: str) -> RegexValidator:
    return RegexValidator(regex=pattern, inverse_match=True, message=message, code="control_characters")


# C0 and C1 control characters and DEL: invisible, they make two names that look alike differ.
refuse_control_characters = _control_characters_validator(r"[\x00-\x1f\x7f-\x9f]", CONTROL_CHARACTERS_MESSAGE)
# The same for text of several lines (a reason, a description): tabs and line breaks are allowed there.
refuse_control_characters_but_line_breaks = _control_characters_validator(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "Control characters (such as U+0001) are not allowed here."
)


def has_control_characters(value: str) -> bool:
    """Tell whether a one-line text holds a control character."""
    return refuse_control_characters.regex.search(value) is not None
