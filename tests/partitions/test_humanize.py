"""Counts and sizes as pages and the command line write them."""

import pytest

from partitions.humanize import human_bytes, rows_text, short_count


@pytest.mark.parametrize(
    ("count", "grouped", "expected"),
    [(1, False, "1 row"), (0, False, "0 rows"), (12345, False, "12345 rows"), (12345, True, "12,345 rows")],
)
def test_rows_are_counted_in_words_with_the_plural_where_it_belongs(count, grouped, expected):
    assert rows_text(count, grouped=grouped) == expected


def test_axis_counts_and_sizes_are_short():
    assert [short_count(value) for value in (950, 12_345, 1_500_000, 2 * 10**9)] == [
        "950",
        "12.3k",
        "1.5M",
        "2.0G",
    ]
    assert [human_bytes(value) for value in (512, 8192, 5 * 2**20)] == ["512 B", "8.0 KiB", "5.0 MiB"]
