"""Reading and planning hotlists: pure, no database."""

import datetime as dt
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.plates import plate_is_valid
from watchlists.errors import HotlistError
from watchlists.hotlist import (
    HEADER_PLATES,
    MAX_BYTES,
    MAX_LINES,
    ExistingEntry,
    hotlist_decode,
    hotlist_file_check,
    hotlist_plan,
    hotlist_read,
)

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def _plates(hotlist):
    return [(line.line, line.plate, line.reason) for line in hotlist.lines]


def test_reads_plates_and_reasons_normalized_with_their_line_numbers():
    hotlist = hotlist_read('plate,reason\nabc-123, Stolen \n\nXY 987\n"ZZ1","Seen, twice"\n')
    assert _plates(hotlist) == [(2, "ABC123", "Stolen"), (4, "XY987", ""), (5, "ZZ1", "Seen, twice")]
    assert hotlist.duplicates == () and hotlist.invalid == ()


def test_a_plate_given_twice_is_imported_from_its_first_line_only():
    hotlist = hotlist_read("ABC123,first\nabc 123,second\nXYZ9\nABC-123\n")
    assert _plates(hotlist) == [(1, "ABC123", "first"), (3, "XYZ9", "")]
    assert [(d.line, d.plate, d.first_line) for d in hotlist.duplicates] == [
        (2, "ABC123", 1),
        (4, "ABC123", 1),
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("AB#12,x", "not a plate"),
        ("A" * 21, "not a plate"),
        (" - ,why", "no plate"),
        ("ABC1,reason,extra", "more than two columns"),
        ("ABC1,bad\x07bell", "control character"),
        ("ABC1," + "r" * 501, "longer than 500"),
    ],
)
def test_an_invalid_line_is_reported_with_its_number_and_why(line, problem):
    hotlist = hotlist_read(f"GOOD1\n{line}\nGOOD2\n")
    assert [line.plate for line in hotlist.lines] == ["GOOD1", "GOOD2"]
    [invalid] = hotlist.invalid
    assert invalid.line == 2
    assert problem in invalid.problem


def test_a_quoted_reason_over_two_lines_counts_from_its_first_line():
    hotlist = hotlist_read('A1,"one\ntwo"\nB2\n')
    assert [(i.line, i.problem) for i in hotlist.invalid] == [
        (1, "the reason holds a control character (such as a line break)")
    ]
    assert _plates(hotlist) == [(3, "B2", "")]


def test_ten_thousand_plates_are_read_and_one_more_is_refused():
    plates = "\n".join(f"P{n:05d}" for n in range(MAX_LINES))
    assert len(hotlist_read("plate\n" + plates).lines) == MAX_LINES
    with pytest.raises(HotlistError, match="10,001 plate lines; at most 10,000"):
        hotlist_read(plates + "\nP99999")


def test_text_larger_than_the_limit_is_refused():
    with pytest.raises(HotlistError, match="at most 1,024 KiB"):
        hotlist_read("ABC1," + "x" * MAX_BYTES)


@pytest.mark.parametrize(
    ("text", "message"),
    [('ABC1,"never closed\n', "not valid CSV"), ("ABC1\x00", "NUL"), ("ABC1,\ud800", "lone surrogate")],
)
def test_text_that_is_not_csv_is_refused(text, message):
    with pytest.raises(HotlistError, match=message):
        hotlist_read(text)


def test_uploaded_bytes_must_be_utf8_and_may_start_with_a_bom():
    assert hotlist_decode("\ufeffABC1,café\n".encode()) == "ABC1,café\n"
    with pytest.raises(HotlistError, match=r"not UTF-8 text \(line 2 has the byte 0xE9\)"):
        hotlist_decode("ABC1\nDEF2,café\n".encode("latin-1"))


def test_binary_uploads_are_not_csv():
    with pytest.raises(HotlistError, match="not CSV text"):
        hotlist_decode(b"PK\x03\x04\x00\x00binary")


@pytest.mark.parametrize("name", ["plates.xlsx", "plates.pdf", "plates"])
def test_files_not_named_csv_or_txt_are_refused(name):
    with pytest.raises(HotlistError, match="is not a CSV file"):
        hotlist_file_check(name=name, size=10)


def test_files_larger_than_the_limit_are_refused_before_reading():
    hotlist_file_check(name="PLATES.CSV", size=MAX_BYTES)
    with pytest.raises(HotlistError, match="Split it"):
        hotlist_file_check(name="plates.csv", size=MAX_BYTES + 1)


def _entry(plate, *, deleted_at=None):
    return ExistingEntry(
        id=uuid.uuid4(), plate=plate, is_deleted=deleted_at is not None, deleted_at=deleted_at
    )


def test_plan_adds_new_plates_restores_deleted_ones_and_skips_active_ones():
    older, newer = _entry("GONE1", deleted_at=T0), _entry("GONE1", deleted_at=T0 + dt.timedelta(days=1))
    hotlist = hotlist_read("NEW1,a\nGONE1,back\nLIVE1\nNEW1\nbad!\n")
    plan = hotlist_plan(hotlist, existing=[older, _entry("LIVE1"), newer])
    assert [line.plate for line in plan.add] == ["NEW1"]
    assert [(item.line.plate, item.entry_id, item.line.reason) for item in plan.restore] == [
        ("GONE1", newer.id, "back")
    ]
    assert [line.plate for line in plan.already_active] == ["LIVE1"]
    assert plan.writes == 2
    assert plan.summary() == {"added": 1, "restored": 1, "already_active": 1, "duplicates": 1, "invalid": 1}


def test_digest_names_the_writes_exactly():
    hotlist = hotlist_read("NEW1,a\nLIVE1\n")
    plan = hotlist_plan(hotlist, existing=[_entry("LIVE1")])
    assert (
        plan.digest == hotlist_plan(hotlist_read("new1,a\nLIVE1\nLIVE1\n"), existing=[_entry("LIVE1")]).digest
    )
    assert plan.digest != hotlist_plan(hotlist, existing=[]).digest  # LIVE1 would be added now
    assert plan.digest != hotlist_plan(hotlist_read("NEW1,b\nLIVE1\n"), existing=[_entry("LIVE1")]).digest


_cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


@given(st.lists(st.tuples(_cells, _cells), max_size=40))
def test_every_line_is_imported_skipped_or_reported_exactly_once(rows):
    hotlist = hotlist_read("\n".join(f"{_quoted(plate)},{_quoted(reason)}" for plate, reason in rows))
    kept = [(plate, reason) for plate, reason in rows if plate.strip() or reason.strip()]
    if kept and kept[0][0].strip().lower() in HEADER_PLATES:
        kept = kept[1:]
    numbers = [line.line for line in hotlist.lines] + [d.line for d in hotlist.duplicates]
    numbers += [i.line for i in hotlist.invalid]
    assert len(numbers) == len(set(numbers)) == len(kept)
    assert len({line.plate for line in hotlist.lines}) == len(hotlist.lines)
    assert all(plate_is_valid(line.plate) for line in hotlist.lines)
