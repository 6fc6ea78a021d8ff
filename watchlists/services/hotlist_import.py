"""Import a hotlist into a watchlist."""

from django.contrib.admin.models import CHANGE
from django.db import IntegrityError, connection, transaction

from watchlists import selectors, sql
from watchlists.errors import HotlistChangedError, WatchlistDeletedError
from watchlists.hotlist import Hotlist, HotlistPlan
from watchlists.services.locks import watchlist_lock
from watchlists.services.records import actor_user, change_record

HOTLIST_CHANGED_MESSAGE = (
    "The watchlist changed since the preview, so nothing was imported. Check the new preview below and "
    "apply it again."
)


@transaction.atomic
def watchlist_hotlist_import(
    *, watchlist_id, hotlist: Hotlist, actor, expected_digest: str | None = None, source: str = ""
) -> HotlistPlan:
    """Import a hotlist into an active watchlist in one transaction, with one audit row.

    New plates are added and deleted entries of the same plates restored; duplicates, plates already on
    the list and invalid lines are skipped. With `expected_digest` (the preview's), the writes must still
    be exactly those the preview showed, else HotlistChangedError carries the plan as it is now.
    """
    watchlist = watchlist_lock(watchlist_id=watchlist_id)
    if watchlist.is_deleted:
        raise WatchlistDeletedError(
            f"The watchlist “{watchlist.name}” is deleted; restore it before importing plates into it."
        )
    plan = selectors.watchlist_hotlist_preview(watchlist_id=watchlist.pk, hotlist=hotlist)
    if expected_digest is not None and plan.digest != expected_digest:
        raise HotlistChangedError(HOTLIST_CHANGED_MESSAGE, plan=plan)
    try:
        with connection.cursor() as cursor:
            if plan.add:
                cursor.execute(
                    sql.HOTLIST_ENTRIES_INSERT,
                    {
                        "watchlist_id": watchlist.pk,
                        "actor_id": getattr(actor_user(actor), "pk", None),
                        "plates": [line.plate for line in plan.add],
                        "reasons": [line.reason for line in plan.add],
                    },
                )
            if plan.restore:
                cursor.execute(
                    sql.HOTLIST_ENTRIES_RESTORE,
                    {
                        "watchlist_id": watchlist.pk,
                        "entry_ids": [item.entry_id for item in plan.restore],
                        "reasons": [item.line.reason for item in plan.restore],
                    },
                )
                restored = cursor.rowcount
    except IntegrityError as exc:
        # Only a writer that skips the watchlist's lock (a plain save) can get here: refuse it all.
        raise HotlistChangedError(HOTLIST_CHANGED_MESSAGE, plan=plan) from exc
    if plan.restore and restored != len(plan.restore):
        raise HotlistChangedError(HOTLIST_CHANGED_MESSAGE, plan=plan)
    summary = plan.summary()
    change_record(
        actor=actor,
        obj=watchlist,
        flag=CHANGE,
        action="watchlist.import",
        message=f"Imported a hotlist: {summary['added']} added, {summary['restored']} restored.",
        details={"source": source, **summary, "digest": plan.digest},
    )
    return plan
