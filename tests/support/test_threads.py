import threading
import time

import pytest
from django.db import connections

from tests.support.threads import run_in_threads, running_in_thread


class Refused(Exception):
    pass


def _refuse():
    raise Refused("no")


def test_results_come_back_in_the_order_of_the_calls():
    assert run_in_threads(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]


def test_an_exception_of_a_returned_type_is_that_calls_result():
    first, second = run_in_threads(lambda: "ok", _refuse, returned=(Refused,))

    assert first == "ok"
    assert isinstance(second, Refused)


def test_any_other_exception_is_raised_in_the_caller_once_every_thread_has_finished():
    finished = []

    def slow():
        time.sleep(0.2)  # the behaviour under test: a call that outlasts the failing one
        finished.append(True)

    with pytest.raises(Refused):
        run_in_threads(_refuse, slow)

    assert finished == [True]


def test_start_together_releases_the_calls_only_once_all_are_ready():
    arrived = []

    def arrive(number):
        def call():
            arrived.append(number)
            return len(arrived)

        return call

    counts = run_in_threads(*[arrive(n) for n in range(4)], start_together=True)

    assert sorted(counts) == [1, 2, 3, 4]


def test_a_call_still_running_after_the_timeout_fails_the_test():
    never = threading.Event()

    with pytest.raises(pytest.fail.Exception, match=r"still running after 0\.2 s"):
        run_in_threads(lambda: never.wait(5), timeout=0.2)
    never.set()


@pytest.mark.django_db(transaction=True)
def test_each_thread_closes_its_own_database_connection():
    def query():
        wrapper = connections["default"]
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
        return wrapper

    [used] = run_in_threads(query)

    assert used is not connections["default"]
    assert used.connection is None


def test_running_in_thread_raises_what_the_thread_raised_once_the_block_ends():
    with pytest.raises(Refused), running_in_thread(_refuse):
        pass
