"""Domain errors of alert writes."""

CONFLICT_MESSAGE = "This alert was changed by someone else first"


class AlertConflictError(Exception):
    """The hit is no longer as the caller saw it (or is already acknowledged); nothing was written."""

    def __init__(self, *, current):
        """Keep the hit as it is now (`current`)."""
        self.current = current
        super().__init__(f"{CONFLICT_MESSAGE}: alert {current.id} is now {current.status}")
