"""What retention keeps, for the pages: rows the hooks would keep (plan) and rows kept now (status).

Reads only, through the previews and kept-row reports the composition root registered for each table (the
engine knows no app). On the status page this is the one count the page makes: of the rows under legal hold,
which are few next to the tables themselves.
"""

from dataclasses import dataclass

from django.db import connection

from partitions.hooks import notes_flatten, retention_kept_reports, retention_previews, retiring_of
from partitions.planner import DETACH, DROP, EXPIRE, Action
from partitions.registry import registry_entries

RETIRING = (DROP, DETACH, EXPIRE)


@dataclass(frozen=True)
class KeptRows:
    """Rows of one period of a table kept past retention for one case."""

    table: str
    partition: str
    case_number: str
    rows: int
    active: bool  # False: the hold was released; the next run removes the rows past retention

    @property
    def text(self) -> str:
        rows = f"{self.rows} row{'' if self.rows == 1 else 's'}"
        return f"{self.partition}: {rows} kept for case {self.case_number}"


def retention_preview_notes(action: Action) -> list[str]:
    """Say what the hooks of the action's table would keep of the rows it retires (nothing for a create)."""
    previews = retention_previews(action.table)
    if action.action not in RETIRING or not previews:
        return []
    retiring = retiring_of(action)
    with connection.cursor() as cursor:
        return notes_flatten([preview(cursor, retiring) for preview in previews])


def retention_kept_rows() -> list[KeptRows]:
    """Return the rows kept past retention, by table, period and case (the status page)."""
    kept = []
    for entry in registry_entries():
        reports = retention_kept_reports(entry.table)
        if not reports:
            continue
        with connection.cursor() as cursor:
            for report in reports:
                kept.extend(
                    KeptRows(
                        table=entry.table,
                        partition=entry.partition_name(entry.period_index(start)),
                        case_number=case,
                        rows=rows,
                        active=active,
                    )
                    for start, case, active, rows in report(cursor)
                )
    return kept
