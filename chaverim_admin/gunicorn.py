"""gunicorn settings of the web service (`--config python:chaverim_admin.gunicorn`; Dockerfile, compose).

Every worker writes its request and database metrics into one folder (prometheus_client's multiprocess
mode) and /metrics adds them up, whichever worker answers the scrape. The folder is PROMETHEUS_MULTIPROC_DIR
if set, else a fresh temporary one; it is set here, in the master, before any worker starts, and emptied
at start so that a previous server's counts are not added to this one's.
"""

import os
import shutil
import tempfile
from pathlib import Path

_temporary = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _temporary:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="chaverim-metrics-")


def on_starting(server):
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """Drop the live gauges of a worker that exited (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _temporary:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
