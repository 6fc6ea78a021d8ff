"""Embedded PostgreSQL and Valkey for development, demo and tests (no Docker, no system packages)."""
