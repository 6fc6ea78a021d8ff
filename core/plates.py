"""Licence plates as they are stored and searched: upper case, letters and digits, no spaces or dashes."""

import re

from django.core.exceptions import ValidationError

PLATE_MAX_LENGTH = 20
_PLATE_SEPARATORS = re.compile(r"[\s\-]+")
_PLATE_ALLOWED = re.compile(r"[A-Z0-9]+")


def plate_normalize(raw: str) -> str:
    """Upper-case a plate and drop spaces and dashes, as plates are stored (`demo-1342` → `DEMO1342`)."""
    return _PLATE_SEPARATORS.sub("", raw).upper()


def plate_is_valid(value: str) -> bool:
    """Tell whether a normalized plate has only letters and digits, at most PLATE_MAX_LENGTH of them."""
    return bool(_PLATE_ALLOWED.fullmatch(value)) and len(value) <= PLATE_MAX_LENGTH


def validate_plate(value: str) -> None:
    """Refuse a plate that is not stored normalized (letters and digits only)."""
    if not plate_is_valid(plate_normalize(value)):
        raise ValidationError(
            f"A plate has 1 to {PLATE_MAX_LENGTH} letters and digits (spaces and dashes are dropped).",
            code="invalid_plate",
        )
