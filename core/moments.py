"""Read a moment typed by a person (a form field or a command option): a date, or a date and time.

One reading everywhere, so that the same text means the same window on /events/, on the hold form and in
`legal_hold`: a date as the end of a window takes in that whole day.
"""

import datetime as dt


def moment_parse(raw: str, *, is_end: bool) -> dt.datetime:
    """Return the UTC moment `raw` names; read in UTC unless it gives its offset.

    Any spelling `date.fromisoformat` accepts (2019-11-30, 20191130, 2019-W48-6: all the 30th) is a date:
    midnight starting it, or as an end (`is_end`, the window being half-open) the next midnight, so that
    the day is in.
    Anything else must be an ISO-8601 date and time, which is taken as given.
    Raises ValueError or OverflowError (the day after 9999-12-31) for anything else.
    """
    raw = raw.strip()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        moment = dt.datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)
    if is_end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
