import pytest

from tests.support.celery_worker import celery_worker


def test_worker_answers_a_ping_before_the_block_and_is_stopped_after_it():
    with celery_worker(queue="support-test-unused") as worker:
        assert worker.running()
        assert worker.hostname in worker.log()

    assert worker.process.returncode is not None
    assert not worker.log_path.exists()


def test_a_worker_that_cannot_start_fails_the_test_with_its_log():
    with pytest.raises(pytest.fail.Exception, match="DB_POOL_SIZE"), celery_worker(DB_POOL_SIZE="many"):
        pass
