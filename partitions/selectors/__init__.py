"""Reads for the pages: `events` (events search), `status` (partition status, plan preview, runs)."""
