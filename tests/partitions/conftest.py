"""Fixtures for the partition engine: a known catalog before and after tests that commit DDL."""

import pytest

from tests.support.partitions import drop_partitions


@pytest.fixture
def clean_partitions(transactional_db, clean_platform_tables):
    """Start and end a transactional test with only the DEFAULT partitions and empty tables."""
    drop_partitions()
    yield
    drop_partitions()
