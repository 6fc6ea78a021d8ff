"""The home page's summaries: each app registers one in `AppConfig.ready()`; a user sees those they may open.

A summary is a template and a function of no arguments returning its context; the core knows no app.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeSummary:
    """One app's card on the home page, for the users who hold `permission`."""

    name: str
    permission: str
    template: str
    context: Callable[[], dict]


_summaries: dict[str, HomeSummary] = {}


def home_summary_register(summary: HomeSummary) -> None:
    """Register (or replace) the home page summary called `summary.name`."""
    _summaries[summary.name] = summary


def home_summaries_for(user) -> list[HomeSummary]:
    """Return the summaries `user` may see, in the order they were registered."""
    return [summary for summary in _summaries.values() if user.has_perm(summary.permission)]
