"""Helpers shared by the test folders: database URL, subprocesses, threads, waiting, partitions."""
