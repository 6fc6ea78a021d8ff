"""Run database work on other threads, each on its own connection, as concurrent requests would."""

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections

THREAD_TIMEOUT = 60


class _CallThread(threading.Thread):
    """Call once, keep the result or the exception, and close this thread's database connections."""

    def __init__(self, call: Callable[[], Any], barrier: threading.Barrier | None = None):
        super().__init__(daemon=True)  # a hung call must not keep the test run from exiting
        self.call = call
        self.barrier = barrier
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            if self.barrier is not None:
                self.barrier.wait()
            self.result = self.call()
        except BaseException as error:  # handed to the test's thread by outcome()
            self.error = error
        finally:
            connections.close_all()

    def outcome(self, returned: tuple[type[BaseException], ...], timeout: float) -> Any:
        """Return the result, or an exception of a `returned` type; raise any other exception."""
        if self.is_alive():
            pytest.fail(f"{self.call.__qualname__} was still running after {timeout} s")
        if self.error is None:
            return self.result
        if isinstance(self.error, returned):
            return self.error
        raise self.error


def _join_all(threads: list[_CallThread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def run_in_threads(
    *calls: Callable[[], Any],
    returned: tuple[type[BaseException], ...] = (),
    start_together: bool = False,
    timeout: float = THREAD_TIMEOUT,
) -> list[Any]:
    """Run each call on its own thread; once all have finished, return their results in order.

    An exception of a `returned` type stands as that call's result, for the test to assert on; any other
    is raised here. With `start_together`, every call waits until all threads are ready.
    """
    barrier = threading.Barrier(len(calls), timeout=timeout) if start_together else None
    threads = [_CallThread(call, barrier) for call in calls]
    for thread in threads:
        thread.start()
    _join_all(threads, timeout)
    return [thread.outcome(returned, timeout) for thread in threads]


@contextlib.contextmanager
def running_in_thread(call: Callable[[], Any], *, timeout: float = THREAD_TIMEOUT) -> Iterator[None]:
    """Run `call` on another thread while the block runs; then join it, raising what it raised.

    The block must make `call` return (set the event it polls, say) before it ends.
    """
    thread = _CallThread(call)
    thread.start()
    try:
        yield
    finally:
        _join_all([thread], timeout)
    thread.outcome((), timeout)
