"""Run now: POST only, permission and CSRF, queued after commit, one run at a time, a clear message when the
broker is down."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.utils import timezone

from chaverim_admin.celery import app
from partitions import sql
from partitions.health import INTERRUPTED_AFTER
from partitions.models import MaintenanceRun
from partitions.services import MaintenanceInProgressError, maintenance_enqueue
from partitions.tasks import maintain_partitions
from tests.factories import UserFactory
from tests.support.threads import run_in_threads

RUN_NOW = "/partitions/run/"


def _use_broker(url: str) -> None:
    app.conf.broker_url = url
    # Forget pooled connections to the previous broker (what Celery does after a fork).
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(settings):
    """Point the Celery app at another broker for one test, then back at the configured one."""
    yield _use_broker
    _use_broker(settings.CELERY_BROKER_URL)


def queued_messages() -> list:
    """Drain and return the tasks published to the in-memory broker's default queue."""
    found = []
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue(app.conf.task_default_queue)
        try:
            while True:
                message = queue.get(timeout=0.2)
                found.append(message)
                message.ack()
        except queue.Empty:
            pass
        finally:
            queue.close()
    return found


def ops_client(**kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(UserFactory(groups=["Operations"]))
    return client


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db(transaction=True)
def test_run_now_queues_manual_maintenance_with_the_user_and_says_so(broker, clean_platform_tables):
    broker("memory://")
    queued_messages()
    client = ops_client()
    user = client.session["_auth_user_id"]

    response = client.post(RUN_NOW)

    run = MaintenanceRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/partitions/runs/{run.pk}/"
    messages = queued_messages()
    assert [m.headers["task"] for m in messages] == [maintain_partitions.name]
    assert (run.status, run.trigger, str(run.user_id)) == ("queued", "manual", user)
    assert messages[0].payload[1] == {"trigger": "manual", "user_id": user, "run_id": run.pk}
    assert any(f'href="/partitions/runs/{run.pk}/"' in text for text in message_texts(response))


@pytest.mark.django_db
def test_the_worker_carries_out_the_queued_run_under_its_id():
    user = UserFactory(groups=["Operations"])
    queued = MaintenanceRun.objects.create(trigger="manual", user=user, status=MaintenanceRun.Status.QUEUED)

    result = maintain_partitions.apply(
        kwargs={"trigger": "manual", "user_id": str(user.pk), "run_id": queued.pk}
    )

    queued.refresh_from_db()
    assert result.get() == {"run": queued.pk, "status": "success"}
    assert queued.status == MaintenanceRun.Status.SUCCESS
    assert queued.actions and queued.finished_at is not None
    assert MaintenanceRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_run_now_sends_the_task_only_once_its_run_is_committed(broker, clean_platform_tables, monkeypatch):
    broker("memory://")
    queued_messages()
    send_task = app.send_task
    seen = []

    def send_task_checking_the_run(*args, **kwargs):
        # The worker looks the run up by id: it must be committed, not inside a transaction, by now.
        seen.append(
            (
                connection.in_atomic_block,
                MaintenanceRun.objects.filter(pk=kwargs["kwargs"]["run_id"]).exists(),
            )
        )
        return send_task(*args, **kwargs)

    monkeypatch.setattr(app, "send_task", send_task_checking_the_run)

    ops_client().post(RUN_NOW)

    assert seen == [(False, True)]
    assert len(queued_messages()) == 1


@pytest.fixture
def hold_run_lock():
    """Hold a run's lock on the test's connection, as the worker carrying it out does, until the test ends."""
    held = []

    def hold(run: MaintenanceRun) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [sql.RUN_LOCK_NAMESPACE, run.pk])
        held.append(run.pk)

    yield hold
    with connection.cursor() as cursor:
        for run_id in held:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [sql.RUN_LOCK_NAMESPACE, run_id])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", [MaintenanceRun.Status.QUEUED, MaintenanceRun.Status.RUNNING])
def test_a_second_run_now_is_refused_while_a_run_is_queued_or_running_and_names_it(
    broker, clean_platform_tables, hold_run_lock, status
):
    broker("memory://")
    queued_messages()
    active = MaintenanceRun.objects.create(trigger="beat", status=status)
    if status == MaintenanceRun.Status.RUNNING:
        hold_run_lock(active)  # a live worker holds its run's lock

    response = ops_client().post(RUN_NOW, follow=True)

    assert response.redirect_chain == [(f"/partitions/runs/{active.pk}/", 302)]
    html = response.content.decode()
    assert (
        f'Maintenance was not queued again: <a href="/partitions/runs/{active.pk}/">run #{active.pk}</a>'
        in html
    )
    assert f"is already {status}" in html
    assert MaintenanceRun.objects.count() == 1
    assert queued_messages() == []


@pytest.mark.django_db(transaction=True)
def test_run_now_queues_again_once_the_run_has_finished_or_was_abandoned(broker, clean_platform_tables):
    broker("memory://")
    queued_messages()
    long_ago = timezone.now() - INTERRUPTED_AFTER - dt.timedelta(minutes=1)
    MaintenanceRun.objects.create(trigger="beat", status=MaintenanceRun.Status.SUCCESS)
    MaintenanceRun.objects.create(trigger="beat", status=MaintenanceRun.Status.QUEUED, started_at=long_ago)
    # "running" on record, but no process holds its lock any more: abandoned.
    MaintenanceRun.objects.create(trigger="beat", status=MaintenanceRun.Status.RUNNING)

    ops_client().post(RUN_NOW)

    assert (
        MaintenanceRun.objects.filter(status=MaintenanceRun.Status.QUEUED, started_at__gt=long_ago).count()
        == 1
    )
    assert len(queued_messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_run_nows_at_once_queue_one_run(broker, clean_platform_tables):
    broker("memory://")
    queued_messages()
    users = [UserFactory(groups=["Operations"]) for _ in range(2)]

    outcomes = run_in_threads(
        *(lambda user=user: maintenance_enqueue(user=user).run.pk for user in users),
        returned=(MaintenanceInProgressError,),
        start_together=True,
    )

    run = MaintenanceRun.objects.get()
    refused = [outcome for outcome in outcomes if isinstance(outcome, MaintenanceInProgressError)]
    assert run.pk in outcomes
    assert [error.run.pk for error in refused] == [run.pk]


@pytest.mark.django_db(transaction=True)
def test_broker_down_gives_a_quick_clear_message_not_an_error_page(broker, clean_platform_tables):
    broker("redis://127.0.0.1:1/0")
    client = ops_client()

    response = client.post(RUN_NOW, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [("/partitions/", 302)]
    html = response.content.decode()
    assert "Maintenance was not queued: the task queue (broker) cannot be reached" in html
    assert "python manage.py partitions rotate" in html
    assert not MaintenanceRun.objects.exists()  # nothing was queued, so no run is shown as waiting


@pytest.mark.django_db
def test_get_on_run_now_is_not_allowed():
    assert ops_client().get(RUN_NOW).status_code == 405


@pytest.mark.django_db
def test_run_now_needs_the_run_maintenance_permission(broker):
    broker("memory://")
    queued_messages()
    client = Client()
    client.force_login(UserFactory(groups=["Watchlist editors"]))

    assert client.post(RUN_NOW).status_code == 403
    assert queued_messages() == []


@pytest.mark.django_db
def test_run_now_refuses_a_post_without_a_csrf_token():
    response = ops_client(enforce_csrf_checks=True).post(RUN_NOW)

    assert response.status_code == 403
    assert b"CSRF" in response.content


@pytest.mark.django_db
def test_anonymous_run_now_goes_to_the_login_page():
    response = Client().post(RUN_NOW)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_run_now_button_shows_only_with_the_permission(client):
    client.force_login(UserFactory(groups=["Operations"]))
    assert 'action="/partitions/run/"' in client.get("/partitions/").content.decode()
    client.force_login(UserFactory(is_superuser=True))
    assert 'action="/partitions/run/"' in client.get("/partitions/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_run_now_with_no_worker_answering_says_the_run_waits_for_one(broker, clean_platform_tables):
    broker("memory://")  # a broker with no worker listening
    queued_messages()

    response = ops_client().post(RUN_NOW, follow=True)

    html = response.content.decode()
    run = MaintenanceRun.objects.get()
    assert run.status == MaintenanceRun.Status.QUEUED
    assert "no Celery worker answered" in html
    assert f'href="/partitions/runs/{run.pk}/"' in html
    assert "python manage.py partitions rotate" in html
    assert len(queued_messages()) == 1
