"""`legal_hold add|list|release`: the hold's id printed, JSON listing, exit 2 for usage, 1 for refused."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from chaverim_admin.roles import LEGAL, OPERATIONS
from core.models import AuditLog
from holds.models import Hold
from holds.services import RELEASE_ACTION, SYSTEM_ACTOR_USERNAME
from tests.factories import CollectorFactory, UserFactory
from tests.support.subprocesses import manage

pytestmark = pytest.mark.django_db

WINDOW = ["--from", "2019-11-01T00:00:00Z", "--to", "2019-12-01T00:00:00+00:00"]
ADD = ["add", "--case", "2026-0042", "--reason", "Court order", "--plate", "held-001", *WINDOW]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("legal_hold", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as error:
        run(*args)
    return error.value


@pytest.fixture
def legal():
    return UserFactory(username="legal-cli", groups=[LEGAL])


@pytest.fixture
def legal2():
    return UserFactory(username="legal-cli-2", groups=[LEGAL])


def test_add_prints_the_new_holds_id_and_nothing_else(legal):
    printed = run(*ADD, "--as", "legal-cli")

    hold = Hold.objects.get()
    assert printed == f"{hold.pk}\n"
    assert (hold.plate_number, hold.placed_by, hold.case_number) == ("HELD001", legal, "2026-0042")
    assert (hold.starts_at, hold.ends_at) == (
        dt.datetime(2019, 11, 1, tzinfo=dt.UTC),
        dt.datetime(2019, 12, 1, tzinfo=dt.UTC),
    )


def test_without_as_the_system_account_places_the_hold_and_cannot_log_in():
    run(*ADD)

    actor = Hold.objects.get().placed_by
    assert actor.username == SYSTEM_ACTOR_USERNAME
    assert not actor.is_active and not actor.has_usable_password() and not actor.is_staff
    run(*ADD)  # the same account again, not a second one
    assert {hold.placed_by_id for hold in Hold.objects.all()} == {actor.pk}


def test_a_hold_on_a_collector_alone(legal):
    collector = CollectorFactory()

    run("add", "--case", "C", "--reason", "R", "--collector", str(collector.pk), *WINDOW)

    assert Hold.objects.get().collector_id == collector.pk


def test_list_json_shows_every_hold_with_its_state(legal, legal2):
    first = int(run(*ADD, "--as", "legal-cli"))
    second = int(run("add", "--case", "B", "--reason", "R", "--plate", "P2", *WINDOW, "--as", "legal-cli"))
    run("release", str(first), "--reason", "Closed", "--as", "legal-cli-2")

    listed = json.loads(run("list", "--json"))["holds"]

    assert [hold["id"] for hold in listed] == [second, first]
    assert listed[1]["released_by"] == "legal-cli-2"
    assert listed[1]["release_reason"] == "Closed"
    assert listed[0]["released_at"] is None
    assert (listed[1]["plate"], listed[1]["from"]) == ("HELD001", "2019-11-01T00:00:00+00:00")
    active = run("list", "--status", "active")
    assert [line.split("\t")[0] for line in active.splitlines()] == [str(second)]
    assert active.startswith(f"{second}\tcase B\tplate P2\t") and active.endswith("\tactive\n")


def test_list_says_when_there_are_no_holds():
    assert run("list") == "no legal holds\n"
    assert json.loads(run("list", "--json")) == {"holds": []}


def test_release_by_a_second_user_prints_it_and_audits_it(legal, legal2):
    hold_id = int(run(*ADD, "--as", "legal-cli"))

    printed = run("release", str(hold_id), "--reason", "Case closed", "--as", "legal-cli-2")

    assert printed == f"hold {hold_id} (case 2026-0042) released\n"
    hold = Hold.objects.get()
    assert (hold.released_by, hold.release_reason) == (legal2, "Case closed")
    audit = AuditLog.objects.get(action=RELEASE_ACTION)
    assert audit.details["source"].startswith("command line")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--collector", "00000000-0000-0000-0000-000000000007"], "No collector"),
        (["--plate", "AB*1"], "letters and digits"),
        (["--from", "2019-12-01", "--to", "2019-11-01"], "before the end"),
        (["--from", "1919-12-01"], "50 years"),
        (["--to", "2199-01-01"], "10 years"),
        (["--case", " "], "case number"),
    ],
)
def test_add_refusals_exit_1_with_one_clear_line(args, words):
    error = refused(*ADD, *args)

    assert error.returncode == 1
    assert words in str(error) and "\n" not in str(error)
    assert not Hold.objects.exists()


def test_add_without_plate_or_collector_is_refused():
    error = refused("add", "--case", "C", "--reason", "R", *WINDOW)
    assert (error.returncode, "a plate, a collector, or both" in str(error)) == (1, True)


@pytest.mark.parametrize(
    "args",
    [
        [*ADD[:-4], "--from", "yesterday", "--to", "2019-12-01"],
        [*ADD, "--collector", "not-a-uuid"],
        [*ADD[:-4], "--from", "2019-11-01", "--to", "9999-12-31"],
    ],
)
def test_add_with_unreadable_values_is_a_usage_error(args):
    assert refused(*args).returncode == 2


def test_as_must_name_an_active_user_allowed_to_act(legal):
    UserFactory(username="ops-cli", groups=[OPERATIONS])
    UserFactory(username="gone-cli", groups=[LEGAL], is_active=False)

    for username, words in [
        ("nobody", "no active user"),
        ("gone-cli", "no active user"),
        ("ops-cli", "may not"),
    ]:
        error = refused(*ADD, "--as", username)
        assert (error.returncode, words in str(error)) == (1, True), username
    assert not Hold.objects.exists()


def test_release_refusals_exit_1(legal, legal2, settings):
    settings.LEGAL_HOLD_TWO_PERSON_RELEASE = True
    hold_id = run(*ADD, "--as", "legal-cli").strip()

    own = refused("release", hold_id, "--reason", "Done", "--as", "legal-cli")
    run("release", hold_id, "--reason", "Done", "--as", "legal-cli-2")
    again = refused("release", hold_id, "--reason", "Again", "--as", "legal-cli-2")
    unknown = refused("release", "424242", "--reason", "Done", "--as", "legal-cli-2")

    assert (own.returncode, "placed by you" in str(own)) == (1, True)
    assert (again.returncode, "already released" in str(again)) == (1, True)
    assert (unknown.returncode, "No legal hold has the id 424242" in str(unknown)) == (1, True)
    assert refused("release", "x1", "--reason", "Done").returncode == 2


def test_without_as_the_system_account_cannot_release_what_it_placed(settings):
    settings.LEGAL_HOLD_TWO_PERSON_RELEASE = True
    hold_id = run(*ADD).strip()

    assert refused("release", hold_id, "--reason", "Done").returncode == 1
    assert Hold.objects.get().active


def test_under_the_two_person_rule_a_release_must_name_a_person(legal, settings):
    """Else one person could place a hold on the web and release it here, with no second person named."""
    settings.LEGAL_HOLD_TWO_PERSON_RELEASE = True
    hold_id = run(*ADD, "--as", "legal-cli").strip()

    error = refused("release", hold_id, "--reason", "Done")

    assert error.returncode == 1 and "\n" not in str(error)
    assert "name the releasing person with --as" in str(error)
    assert Hold.objects.get().active
    assert not AuditLog.objects.filter(action=RELEASE_ACTION).exists()


def test_without_the_two_person_rule_the_system_account_may_release(legal, settings):
    settings.LEGAL_HOLD_TWO_PERSON_RELEASE = False
    hold_id = run(*ADD, "--as", "legal-cli").strip()

    run("release", hold_id, "--reason", "Done")

    assert Hold.objects.get().released_by.username == SYSTEM_ACTOR_USERNAME


def test_as_must_name_staff_as_the_web_requires(legal):
    UserFactory(username="outside-cli", groups=[LEGAL], is_staff=False)
    hold_id = run(*ADD, "--as", "legal-cli").strip()

    for args in (ADD, ["release", hold_id, "--reason", "Done"]):
        error = refused(*args, "--as", "outside-cli")
        assert (error.returncode, "not staff" in str(error)) == (1, True)
    assert Hold.objects.get().active


@pytest.mark.parametrize("to", ["2019-11-30", "20191130", "2019-W48-6"])
def test_a_date_as_to_takes_in_that_whole_day_as_on_the_web(legal, to):
    run(*ADD[:-4], "--from", "2019-11-01", "--to", to, "--as", "legal-cli")

    hold = Hold.objects.get()
    assert (hold.starts_at, hold.ends_at) == (
        dt.datetime(2019, 11, 1, tzinfo=dt.UTC),
        dt.datetime(2019, 12, 1, tzinfo=dt.UTC),
    )


def test_a_time_as_to_is_itself_excluded(legal):
    run(*ADD[:-4], "--from", "2019-11-01T00:00Z", "--to", "2019-11-30T00:00Z", "--as", "legal-cli")

    assert Hold.objects.get().ends_at == dt.datetime(2019, 11, 30, tzinfo=dt.UTC)


def said(stderr: str) -> list[str]:
    """Return what the command wrote on stderr, without the structured log lines (JSON) of start-up."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("{")]


@pytest.mark.django_db(transaction=True)
def test_exit_codes_and_stderr_of_the_real_command(clean_platform_tables):
    """As an operator's shell sees it: the id on stdout, one line on stderr, no traceback."""
    UserFactory(username="legal-cli", groups=[LEGAL])

    placed = manage("legal_hold", *ADD, "--as", "legal-cli")
    unknown_collector = manage("legal_hold", *ADD, "--collector", "00000000-0000-0000-0000-000000000007")
    missing_to = manage(
        "legal_hold", "add", "--case", "C", "--reason", "R", "--plate", "P", "--from", "2019-11-01"
    )
    released_own = manage(
        "legal_hold", "release", placed.stdout.strip(), "--reason", "x", "--as", "legal-cli"
    )

    assert (placed.returncode, placed.stdout.strip().isdigit(), said(placed.stderr)) == (0, True, [])
    assert unknown_collector.returncode == 1
    assert said(unknown_collector.stderr) == [
        "CommandError: No collector has the id 00000000-0000-0000-0000-000000000007."
    ]
    assert missing_to.returncode == 2
    assert "the following arguments are required: --to" in missing_to.stderr
    assert released_own.returncode == 1
    assert len(said(released_own.stderr)) == 1 and "placed by you" in released_own.stderr
    for result in (unknown_collector, missing_to, released_own):
        assert "Traceback" not in result.stderr
