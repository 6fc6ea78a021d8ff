"""Domain errors of collector writes."""

from core.versioning import UnversionedWriteError, VersionConflictError

__all__ = ["CONFLICT_MESSAGE", "ConflictError", "InvalidChangeError", "UnversionedWriteError"]

CONFLICT_MESSAGE = "This collector was modified by another request"


class ConflictError(VersionConflictError):
    """The collector is no longer at the version the caller loaded; nothing was written."""

    message = CONFLICT_MESSAGE
    version_field = "config_version"


class InvalidChangeError(ValueError):
    """A requested change names a field that may not be changed or carries a value the table cannot hold."""
