"""Collector config as JSON whose numbers stay exact: read as Decimal, written back with the same digits.

Python's json reads 0.1000000000000000000001 as the float 0.1 and 1e400 as infinity; jsonb keeps every
number as PostgreSQL numeric. Reading numbers as Decimal and writing them as their digits means that an edit
leaves the numbers nobody touched exactly as the platform stored them.
"""

import json
from decimal import Decimal
from typing import Any

# The platform's collectors read config numbers as doubles: beyond this they would become infinity.
LARGEST_NUMBER = Decimal("1.7976931348623157e308")
# A number needing more digits than this is a mistake (and could exceed PostgreSQL numeric's 16383).
MAX_DIGITS = 1000


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def config_loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as an exact Decimal; NaN and Infinity are refused."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def _number_text(number: Decimal) -> str:
    # str() of a finite Decimal parsed from JSON is JSON too: 0.1000000000000000000001, 1E+400, -0.0.
    return str(number)


def config_dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """Write JSON as json.dumps does (ensure_ascii off), Decimals with their exact digits."""

    def encode(item: Any, level: int) -> str:
        if isinstance(item, Decimal):
            return _number_text(item)
        if isinstance(item, dict):
            if not item:
                return "{}"
            keys = sorted(item) if sort_keys else list(item)
            members = [
                f"{json.dumps(str(key), ensure_ascii=False)}: {encode(item[key], level + 1)}" for key in keys
            ]
            return _join("{", members, "}", indent, level)
        if isinstance(item, list | tuple):
            if not item:
                return "[]"
            return _join("[", [encode(element, level + 1) for element in item], "]", indent, level)
        return json.dumps(item, ensure_ascii=False, allow_nan=False)

    return encode(value, 0)


def _join(opening: str, members: list[str], closing: str, indent: int | None, level: int) -> str:
    """Join members as json.dumps does: `, ` on one line, or one per line indented by `indent` per level."""
    if indent is None:
        return opening + ", ".join(members) + closing
    inner, outer = " " * (indent * (level + 1)), " " * (indent * level)
    return opening + "\n" + ",\n".join(inner + member for member in members) + "\n" + outer + closing


def config_numbers_problem(value: Any) -> str | None:
    """Return why a number in `value` cannot be stored for the platform, or None when all can."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, Decimal | int) and not isinstance(item, bool):
            number = Decimal(item)
            if abs(number) > LARGEST_NUMBER:
                return "too_large"
            digits = number.as_tuple()
            if len(digits.digits) > MAX_DIGITS or -int(digits.exponent) > MAX_DIGITS:
                return "too_precise"
    return None


class ConfigJSONDecoder(json.JSONDecoder):
    """Decode a collector's jsonb with exact Decimal numbers (the model field's decoder)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(**kwargs)


class ConfigJSONEncoder(json.JSONEncoder):
    """Encode a collector's config with Decimals as their digits (the model field's encoder)."""

    def encode(self, o):
        return config_dumps(o, indent=self.indent, sort_keys=self.sort_keys)

    def iterencode(self, o, _one_shot=False):
        yield self.encode(o)
