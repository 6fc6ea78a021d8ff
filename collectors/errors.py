"""Domain errors of collector writes."""

CONFLICT_MESSAGE = "This collector was modified by another request"


class ConflictError(Exception):
    """The collector is no longer at the version the caller loaded; nothing was written."""

    def __init__(self, *, current, expected_version: int):
        """Keep the collector as it is now (`current`) and the version the caller expected."""
        self.current = current
        self.expected_version = expected_version
        super().__init__(
            f"{CONFLICT_MESSAGE}: collector {current.pk} is at version {current.config_version}, "
            f"not {expected_version}"
        )


class InvalidChangeError(ValueError):
    """A requested change names a field that may not be changed or carries a value the table cannot hold."""


class UnversionedWriteError(TypeError):
    """A write tried to bypass the collector's version (set it by hand, or bulk-write without bumping it)."""
