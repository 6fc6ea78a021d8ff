"""Walk the events search's keyset pages to the end and back, as the page links would."""

from events.selectors import EventCriteria, event_page


def pages_there_and_back(criteria: EventCriteria, *, page_size: int) -> tuple[list[list], list[list]]:
    """Return the pages going older from the first, then the pages coming back newer from the last."""
    pages, cursor = [], None
    while True:
        page = event_page(criteria=criteria, cursor=cursor, page_size=page_size)
        pages.append([(event.captured_at, event.id) for event in page.events])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    backward, cursor = [pages[-1]], page.previous_cursor
    while cursor is not None:
        page = event_page(criteria=criteria, cursor=cursor, page_size=page_size)
        backward.append([(event.captured_at, event.id) for event in page.events])
        cursor = page.previous_cursor
    return pages, backward
