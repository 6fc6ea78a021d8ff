"""Domain errors of legal holds, turned into form errors, messages or exit codes at the edges."""


class HoldError(Exception):
    """Base of the hold errors; the text is meant for the user."""


class HoldInvalidError(HoldError):
    """A hold that cannot be placed as given; `field` names the input at fault (None: the whole hold)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class HoldNotFoundError(HoldError):
    """No hold has this id."""


class HoldAlreadyReleasedError(HoldError):
    """The hold was released already (perhaps a moment ago, by someone else); nothing was changed."""


class HoldSelfReleaseError(HoldError):
    """Under LEGAL_HOLD_TWO_PERSON_RELEASE, the user who placed a hold may not release it."""
