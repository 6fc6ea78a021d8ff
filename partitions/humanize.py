"""Counts and sizes as the pages and the command line write them."""


def rows_text(count: int, *, grouped: bool = False) -> str:
    """Return `1 row`, `12 rows`; with `grouped`, thousands separated (`12,345 rows`)."""
    number = f"{count:,}" if grouped else str(count)
    return f"{number} row{'s' if count != 1 else ''}"


def short_count(value: int) -> str:
    """Return a count in at most four characters or so (950, 12.3k, 1.5M), for chart axes."""
    for unit, size in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)


def human_bytes(value: int) -> str:
    """Return a size the way ops read it (8.0 KiB, 1.2 GiB)."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"
