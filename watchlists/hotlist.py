"""Hotlists: a CSV of plates (plate, reason) read into lines, then planned against a watchlist's entries.

Pure: no database. Reading refuses a whole file that cannot be a hotlist (HotlistError: not UTF-8 text, not
CSV, too large, too many lines); a bad line is only reported, with its number. The plan says what an import
would do: add new plates, restore deleted entries, skip duplicates and plates already on the list. Its
digest names exactly the writes, so that an apply can check that they are still what the preview showed.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from core.plates import PLATE_MAX_LENGTH, plate_is_valid, plate_normalize
from core.validators import has_control_characters
from watchlists.errors import HotlistError

MAX_LINES = 10_000
MAX_BYTES = 1024 * 1024  # 10,000 plates with a reason of about 80 characters each
REASON_MAX_LENGTH = 500
HEADER_PLATES = frozenset(
    {"plate", "plates", "plate_number", "plate number", "licence plate", "license plate"}
)
FILE_SUFFIXES = (".csv", ".txt")


@dataclass(frozen=True)
class HotlistLine:
    """A plate to import, normalized, with the reason given for it and its line number in the file."""

    line: int
    plate: str
    reason: str


@dataclass(frozen=True)
class InvalidLine:
    """A line that cannot be imported, as written, with why."""

    line: int
    text: str
    problem: str


@dataclass(frozen=True)
class DuplicateLine:
    """A plate the file already gave on an earlier line (the first one is imported)."""

    line: int
    plate: str
    first_line: int


@dataclass(frozen=True)
class Hotlist:
    """A hotlist as read: the plates to import and the lines left out."""

    lines: tuple[HotlistLine, ...]
    duplicates: tuple[DuplicateLine, ...]
    invalid: tuple[InvalidLine, ...]

    @property
    def plates(self) -> list[str]:
        return [line.plate for line in self.lines]


@dataclass(frozen=True)
class ExistingEntry:
    """An entry of the watchlist with a plate of the hotlist, active or deleted."""

    id: uuid.UUID
    plate: str
    is_deleted: bool
    deleted_at: dt.datetime | None


@dataclass(frozen=True)
class Restore:
    """A deleted entry an import brings back, with the line that asked for it."""

    line: HotlistLine
    entry_id: uuid.UUID
    deleted_at: dt.datetime | None


@dataclass(frozen=True)
class HotlistPlan:
    """What importing a hotlist into one watchlist would do."""

    add: tuple[HotlistLine, ...]
    restore: tuple[Restore, ...]
    already_active: tuple[HotlistLine, ...]
    duplicates: tuple[DuplicateLine, ...]
    invalid: tuple[InvalidLine, ...]

    @property
    def writes(self) -> int:
        return len(self.add) + len(self.restore)

    @property
    def digest(self) -> str:
        """Name the writes exactly (SHA-256): equal digests, equal imports."""
        writes = [["add", line.plate, line.reason] for line in self.add]
        writes += [["restore", str(item.entry_id), item.line.reason] for item in self.restore]
        return hashlib.sha256(json.dumps(writes, ensure_ascii=False).encode()).hexdigest()

    def summary(self) -> dict[str, int]:
        """Count each kind of line, as the audit log records it."""
        return {
            "added": len(self.add),
            "restored": len(self.restore),
            "already_active": len(self.already_active),
            "duplicates": len(self.duplicates),
            "invalid": len(self.invalid),
        }


def hotlist_size_check(size: int) -> None:
    """Refuse a hotlist of more than MAX_BYTES bytes."""
    if size > MAX_BYTES:
        raise HotlistError(
            f"The hotlist is {size / 1024:,.0f} KiB; at most {MAX_BYTES // 1024:,} KiB are imported at once. "
            "Split it into smaller files."
        )


def hotlist_file_check(*, name: str, size: int) -> None:
    """Refuse an uploaded file by its name and size, before reading it."""
    if not name.lower().endswith(FILE_SUFFIXES):
        raise HotlistError(f"“{name}” is not a CSV file: choose a .csv (or .txt) file with one plate a line.")
    hotlist_size_check(size)


def hotlist_decode(raw: bytes) -> str:
    """Return the text of an uploaded hotlist, or raise HotlistError saying why it is not one."""
    hotlist_size_check(len(raw))
    if b"\x00" in raw:
        raise HotlistError("The file is not CSV text (it holds binary data, as a spreadsheet file does).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise HotlistError(
            f"The file is not UTF-8 text (line {line} has the byte 0x{raw[exc.start]:02X}). Save it as "
            "“CSV UTF-8” and try again."
        ) from None


def hotlist_read(text: str) -> Hotlist:
    """Read hotlist text (CSV: plate, reason) into plates to import, duplicates and invalid lines."""
    try:
        hotlist_size_check(len(text.encode("utf-8")))
    except UnicodeEncodeError:
        raise HotlistError("The text is not UTF-8 (it holds a lone surrogate).") from None
    if "\x00" in text:
        raise HotlistError("The text is not CSV (it holds NUL characters).")
    records = list(_records(text))
    if records and _is_header(records[0][1]):
        records = records[1:]
    if len(records) > MAX_LINES:
        raise HotlistError(
            f"The hotlist has {len(records):,} plate lines; at most {MAX_LINES:,} are imported at once. "
            "Split it into smaller files."
        )
    lines, duplicates, invalid = [], [], []
    first_seen: dict[str, int] = {}
    for number, cells in records:
        problem, plate, reason = _line_check(cells)
        if problem:
            invalid.append(InvalidLine(line=number, text=",".join(cells), problem=problem))
        elif plate in first_seen:
            duplicates.append(DuplicateLine(line=number, plate=plate, first_line=first_seen[plate]))
        else:
            first_seen[plate] = number
            lines.append(HotlistLine(line=number, plate=plate, reason=reason))
    return Hotlist(lines=tuple(lines), duplicates=tuple(duplicates), invalid=tuple(invalid))


def hotlist_plan(hotlist: Hotlist, *, existing: Iterable[ExistingEntry]) -> HotlistPlan:
    """Plan an import against the watchlist's entries with the hotlist's plates."""
    active = set()
    latest_deleted: dict[str, ExistingEntry] = {}
    for entry in existing:
        if not entry.is_deleted:
            active.add(entry.plate)
            continue
        known = latest_deleted.get(entry.plate)
        if known is None or _deleted_later(entry, known):
            latest_deleted[entry.plate] = entry
    add, restore, already_active = [], [], []
    for line in hotlist.lines:
        if line.plate in active:
            already_active.append(line)
        elif line.plate in latest_deleted:
            entry = latest_deleted[line.plate]
            restore.append(Restore(line=line, entry_id=entry.id, deleted_at=entry.deleted_at))
        else:
            add.append(line)
    return HotlistPlan(
        add=tuple(add),
        restore=tuple(restore),
        already_active=tuple(already_active),
        duplicates=hotlist.duplicates,
        invalid=hotlist.invalid,
    )


def _records(text: str) -> Iterable[tuple[int, list[str]]]:
    """Yield (first line number, cells) of every CSV record that is not blank."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise HotlistError(f"The text is not valid CSV: line {reader.line_num}: {exc}.") from None
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def _is_header(cells: list[str]) -> bool:
    return cells[0].strip().lower() in HEADER_PLATES


def _line_check(cells: list[str]) -> tuple[str, str, str]:
    """Return (problem, plate, reason): the problem is empty when the line can be imported."""
    if len(cells) > 2:
        return "more than two columns (put a reason with a comma in double quotes)", "", ""
    raw_plate = cells[0].strip()
    reason = cells[1].strip() if len(cells) > 1 else ""
    plate = plate_normalize(raw_plate)
    if not plate:
        return "no plate", "", ""
    if not plate_is_valid(plate):
        return (
            f"not a plate: 1 to {PLATE_MAX_LENGTH} letters and digits (spaces and dashes are dropped)",
            "",
            "",
        )
    if has_control_characters(reason):
        return "the reason holds a control character (such as a line break)", "", ""
    if len(reason) > REASON_MAX_LENGTH:
        return f"the reason is longer than {REASON_MAX_LENGTH} characters", "", ""
    return "", plate, reason


def _deleted_later(entry: ExistingEntry, other: ExistingEntry) -> bool:
    if entry.deleted_at is None:
        return False
    return other.deleted_at is None or entry.deleted_at > other.deleted_at
