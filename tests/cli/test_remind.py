"""`tracker remind`: digests of what needs each forecaster, as text, JSON, iCalendar and e-mail."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_fuzz import DATES, assert_clear
from tests.conftest import Run

Tracker = Callable[..., Run]

#: The scenario's clock: eleven days after the questions were added (2021-11-29).
LATER = {"TRACKER_NOW": "2021-12-10T12:00:00+00:00"}


def _ok(result: Run) -> Run:
    assert result.exit_code == 0, result.stderr
    return result


def _add(tracker: Tracker, title: str, deadline: str, tag: str, who: str, forecast: str) -> None:
    _ok(
        tracker(
            "add",
            title,
            "-c",
            f"Yes if {title.lower()} by the deadline.",
            "-d",
            deadline,
            "-t",
            tag,
            "-p",
            forecast,
            "--as",
            who,
        )
    )


@pytest.fixture
def ledger(tracker: Tracker) -> Tracker:
    """Five questions added on 2021-11-29 (the tests' clock), seen from 2021-12-10:

    #1 ani's, caucasus, deadline 2021-12-20 (10 days ahead then);
    #2 ani's, caucasus, deadline 2022-05-29 (a life of 181 days);
    #3 lena's, caucasus, deadline 2022-03-01;
    #4 tom's, economy, deadline 2021-12-05 (passed by then, not resolved);
    #5 tom's, economy, resolved.
    """
    _add(tracker, "Nakhichevan road/rail agreement", "2021-12-20", "caucasus", "ani", "70%")
    _add(tracker, "Border demarcation mechanism set up", "2022-05-29", "caucasus", "ani", "40%")
    _add(tracker, "Peace treaty initialled", "2022-03-01", "caucasus", "lena", "15%")
    _add(tracker, "Gas price above 100 EUR/MWh", "2021-12-05", "economy", "tom", "55%")
    _add(tracker, "Central bank raises rates", "2021-12-31", "economy", "tom", "80%")
    _ok(tracker("resolve", "5", "yes", "--on", "today", "--as", "tom"))
    _ok(tracker("forecast", "1", "20%", "--as", "lena"))  # lena's view on ani's question
    return tracker


EXPECTED_TEXT = """\
ani: 2 questions need you, as of 2021-12-10.

Deadlines by 2021-12-24 (--within 14d)
  #1 Nakhichevan road/rail agreement
     deadline 2021-12-20 (in 10 days)
     your forecast of 2021-11-29 (11 days old): 70%

Open in your tags (caucasus), not yet forecast by you
  #3 Peace treaty initialled
     deadline 2022-03-01 (in 81 days)
     tags caucasus

lena: 2 questions need you, as of 2021-12-10.

Deadlines by 2021-12-24 (--within 14d)
  #1 Nakhichevan road/rail agreement
     deadline 2021-12-20 (in 10 days)
     your forecast of 2021-11-29 (11 days old): 20%

Open in your tags (caucasus), not yet forecast by you
  #2 Border demarcation mechanism set up
     deadline 2022-05-29 (in 170 days)
     tags caucasus

tom: 1 question needs you, as of 2021-12-10.

Past the deadline and not resolved: to resolve
  #4 Gas price above 100 EUR/MWh
     deadline 2021-12-05 (5 days ago)
     your forecast of 2021-11-29 (11 days old): 55%
  Who can resolve: anyone who can write this ledger (tracker resolve 4 OUTCOME
  --evidence URL).
"""


def test_text_tells_each_forecaster_what_needs_them(ledger: Tracker) -> None:
    result = _ok(ledger("remind", env=LATER))
    assert result.stdout == EXPECTED_TEXT
    assert result.stderr == ""


def test_text_fits_80_columns_and_never_cuts_a_title(tracker: Tracker) -> None:
    title = (
        "Will " + " ".join(["the trilateral working group on border demarcation meet"] * 3) + "?"
    )
    _add(tracker, title, "+1w", "caucasus", "ani", "60%")
    result = _ok(tracker("remind"))
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "..." not in result.stdout and "…" not in result.stdout
    assert " ".join(result.stdout.split()).count(title) == 1


def test_a_digest_never_shows_anyone_elses_probabilities(ledger: Tracker) -> None:
    # lena forecast 20% on ani's question #1; ani's own forecast there is 70%.
    ani = _ok(ledger("remind", "--for", "ani", env=LATER)).stdout
    assert "70%" in ani and "20%" not in ani and "15%" not in ani
    data = json.loads(_ok(ledger("remind", "--json", "--for", "ani", env=LATER)).stdout)
    shown = [
        item["own_forecast"]
        for person in data["forecasters"]
        for need in ("past_deadline", "due_soon", "stale", "not_forecast")
        for item in person[need]
    ]
    assert shown == [
        {
            "made_at": "2021-11-29T12:00:00+00:00",
            "probabilities": {"yes": 0.7, "no": 0.3},
            "age_days": 11,
        },
        None,
    ]


def test_nothing_to_say_is_said_and_exits_0(tracker: Tracker) -> None:
    _ok(tracker("db", "upgrade"))
    assert _ok(tracker("remind")).stdout == "Nobody has forecast yet: no reminders.\n"
    _add(tracker, "Peace treaty initialled", "2022-03-01", "caucasus", "ani", "15%")
    result = _ok(tracker("remind"))
    assert result.stdout == "ani: nothing needs you as of 2021-11-29.\n"


def test_json_has_stable_keys_and_iso_dates(ledger: Tracker) -> None:
    data = json.loads(_ok(ledger("remind", "--json", env=LATER)).stdout)
    assert list(data) == ["as_of", "within", "stale_after", "who_can_resolve", "forecasters"]
    assert data["as_of"] == "2021-12-10T12:00:00+00:00"
    assert data["within"] == {"text": "14d", "until": "2021-12-24"}
    assert data["stale_after"] == {"text": "30d", "age": "30 days", "share": None}
    assert data["who_can_resolve"] == "anyone who can write this ledger"
    assert [p["forecaster"] for p in data["forecasters"]] == ["ani", "lena", "tom"]
    tom = data["forecasters"][2]
    assert list(tom) == ["forecaster", "tags", "past_deadline", "due_soon", "stale", "not_forecast"]
    assert tom["tags"] == ["economy"]
    assert tom["past_deadline"] == [
        {
            "number": 4,
            "id": "4",
            "title": "Gas price above 100 EUR/MWh",
            "deadline": "2021-12-05",
            "days_to_deadline": -5,
            "tags": ["economy"],
            "own_forecast": {
                "made_at": "2021-11-29T12:00:00+00:00",
                "probabilities": {"yes": 0.55, "no": 0.45},
                "age_days": 11,
            },
        }
    ]


def _numbers(data: dict[str, Any], name: str, need: str) -> list[int]:
    person = next(p for p in data["forecasters"] if p["forecaster"] == name)
    return [item["number"] for item in person[need]]


def _remind_json(tracker: Tracker, *args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_ok(tracker("remind", "--json", *args, env=LATER)).stdout)
    return result


def test_for_reminds_one_forecaster(ledger: Tracker) -> None:
    data = _remind_json(ledger, "--for", "lena")
    assert [p["forecaster"] for p in data["forecasters"]] == ["lena"]
    text = _ok(ledger("remind", "--for", "tom", env=LATER)).stdout
    assert text.startswith("tom: 1 question needs you, as of 2021-12-10.\n")
    assert "ani" not in text and "lena" not in text


def test_within_sets_how_far_ahead_deadlines_are_announced(ledger: Tracker) -> None:
    assert _numbers(_remind_json(ledger, "--within", "9d"), "ani", "due_soon") == []
    assert _numbers(_remind_json(ledger, "--within", "10d"), "ani", "due_soon") == [1]
    assert _numbers(_remind_json(ledger, "--within", "2w"), "ani", "due_soon") == [1]
    # A date works too, and a deadline in the window is due soon rather than stale.
    data = _remind_json(ledger, "--within", "2022-06-01", "--stale-after", "1d")
    assert data["within"]["until"] == "2022-06-01"
    assert _numbers(data, "ani", "due_soon") == [1, 2]
    assert _numbers(data, "ani", "stale") == []


def test_stale_after_an_age(ledger: Tracker) -> None:
    assert _numbers(_remind_json(ledger, "--stale-after", "30d"), "ani", "stale") == []
    assert _numbers(_remind_json(ledger, "--stale-after", "11d"), "ani", "stale") == []
    assert _numbers(_remind_json(ledger, "--stale-after", "10d"), "ani", "stale") == [2]
    assert _numbers(_remind_json(ledger, "--stale-after", "1w"), "lena", "stale") == [3]
    text = _ok(ledger("remind", "--for", "ani", "--stale-after", "1w", env=LATER)).stdout
    assert "Your forecasts older than 1 week\n  #2 Border demarcation mechanism set up\n" in text


def test_stale_after_a_share_of_the_question_life(ledger: Tracker) -> None:
    # #2 lives 181 days (2021-11-29 to 2022-05-29): ani's forecast is 11 days old.
    assert _numbers(_remind_json(ledger, "--stale-after", "5%"), "ani", "stale") == [2]
    assert _numbers(_remind_json(ledger, "--stale-after", "10%"), "ani", "stale") == []
    # #3 lives 92 days: 11 days is more than 10% of it.
    assert _numbers(_remind_json(ledger, "--stale-after", "10%"), "lena", "stale") == [3]
    text = _ok(ledger("remind", "--for", "ani", "--stale-after", "5%", env=LATER)).stdout
    assert "Your forecasts older than 5% of their question's life\n" in text


def test_open_questions_in_my_tags_that_i_have_not_forecast(ledger: Tracker) -> None:
    data = _remind_json(ledger)
    assert _numbers(data, "ani", "not_forecast") == [3]
    assert _numbers(data, "lena", "not_forecast") == [2]
    # tom's tag is economy: the caucasus questions are not his; #5 is resolved.
    assert _numbers(data, "tom", "not_forecast") == []
    assert data["forecasters"][0]["tags"] == ["caucasus"]


def test_past_deadline_questions_say_who_can_resolve(ledger: Tracker) -> None:
    data = _remind_json(ledger)
    assert _numbers(data, "tom", "past_deadline") == [4]
    assert _numbers(data, "ani", "past_deadline") == []
    _ok(ledger("resolve", "4", "no", "--on", "2021-12-05", env=LATER))
    assert _numbers(_remind_json(ledger), "tom", "past_deadline") == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--within", "soon"],
            "error: Cannot read 'soon' as --within: give a span (14d, 2w, 1m) or a date "
            "(2022-06-30, end of month).",
        ),
        (
            ["--within", "2021-12-01"],
            "error: --within 2021-12-01 ends on 2021-12-01, before today (2021-12-10).",
        ),
        (
            ["--stale-after", "recently"],
            "error: Cannot read 'recently' as --stale-after: give an age (30d, 6w, 2m) or a "
            "share of the question's life (25%).",
        ),
        (
            ["--stale-after", "150%"],
            "error: --stale-after 150%: a share of the question's life is more than 0% and at "
            "most 100%.",
        ),
        (
            ["--for", "bob"],
            "error: No forecaster 'bob' on record (nobody of that name has forecast or added a "
            "question): check the name, or leave out --for to remind everyone.",
        ),
        (
            ["--to", "ani=ani@example.org"],
            "error: --to gives e-mail addresses: pass --email as well.",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1(ledger: Tracker, args: list[str], message: str) -> None:
    result = ledger("remind", *args, env=LATER)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message + "\n")


@pytest.mark.parametrize(
    "value",
    [*DATES, "-1", "0", str(2**63), "36501d", "1e9d", "100y", "+9000y"],
)
@pytest.mark.parametrize("option", ["--within", "--stale-after"])
def test_odd_spans_get_a_clear_answer(ledger: Tracker, option: str, value: str) -> None:
    assert_clear(ledger("remind", option, value, env=LATER))


@pytest.mark.parametrize("clock", ["1900-01-01T00:00:00+00:00", "2999-12-31T23:59:59+14:00"])
def test_a_clock_at_the_ends_of_its_years_still_reminds(ledger: Tracker, clock: str) -> None:
    for option in ("--within", "--stale-after"):
        _ok(
            ledger(
                "remind",
                option,
                "100y" if option == "--within" else "50%",
                env={"TRACKER_NOW": clock},
            )
        )


# --- iCalendar ---------------------------------------------------------------------------------


def _events(path: Path) -> list[Any]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def test_ics_has_one_event_per_unresolved_question_on_its_deadline(
    ledger: Tracker, tmp_path: Path
) -> None:
    path = tmp_path / "deadlines.ics"
    result = _ok(ledger("remind", "--ics", str(path), env=LATER))
    assert result.stdout == EXPECTED_TEXT
    assert result.stderr == f"Wrote 4 deadlines to {path}.\n"
    events = _events(path)
    assert [str(e["SUMMARY"]) for e in events] == [
        "Gas price above 100 EUR/MWh",
        "Nakhichevan road/rail agreement",
        "Peace treaty initialled",
        "Border demarcation mechanism set up",
    ]
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == [date(2021, 12, 5), date(2021, 12, 20), date(2022, 3, 1), date(2022, 5, 29)]
    assert [e.decoded("DTEND") for e in events] == [
        date(2021, 12, 6),
        date(2021, 12, 21),
        date(2022, 3, 2),
        date(2022, 5, 30),
    ]
    first = events[0]
    assert "Yes if gas price above 100 eur/mwh by the deadline." in str(first["DESCRIPTION"])
    assert int(first["SEQUENCE"]) == 0
    assert first.decoded("LAST-MODIFIED").isoformat() == "2021-11-29T12:00:00+00:00"
    # Titles and criteria only: nobody's forecast is in a calendar.
    assert "55%" not in path.read_text(encoding="utf-8")


def test_ics_uids_are_stable_across_runs_and_differ_between_ledgers(
    ledger: Tracker, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    _ok(ledger("remind", "--ics", str(first), env=LATER))
    _ok(ledger("forecast", "2", "45%", env=LATER))  # a new event in the record
    _ok(
        ledger(
            "remind",
            "--ics",
            str(second),
            "--for",
            "ani",
            env={"TRACKER_NOW": "2021-12-11T09:00:00+00:00"},
        )
    )
    uids = [str(e["UID"]) for e in _events(first)]
    assert uids == [str(e["UID"]) for e in _events(second)]
    assert len(set(uids)) == 4
    assert uids[0].startswith("question-4-") and uids[0].endswith("@tracker")
    other = tmp_path / "other.db"
    _add(lambda *a: ledger("--db", str(other), *a), "Gas price", "+1w", "economy", "ani", "50%")
    third = tmp_path / "c.ics"
    _ok(ledger("--db", str(other), "remind", "--ics", str(third)))
    (event,) = _events(third)
    assert str(event["UID"]).startswith("question-1-") and str(event["UID"]) not in uids


def test_ics_unchanged_ledger_gives_the_same_bytes(ledger: Tracker, tmp_path: Path) -> None:
    first, second = tmp_path / "a.ics", tmp_path / "b.ics"
    _ok(ledger("remind", "--ics", str(first), env=LATER))
    _ok(ledger("remind", "--ics", str(second), env={"TRACKER_NOW": "2021-12-12T09:00:00+00:00"}))
    assert first.read_bytes() == second.read_bytes()


def test_ics_in_a_missing_folder_is_refused(ledger: Tracker, tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "deadlines.ics"
    result = ledger("remind", "--ics", str(path), env=LATER)
    assert (result.exit_code, result.stdout) == (1, "")
    assert (
        result.stderr == f"error: Cannot write {path}: the folder {path.parent} does not exist.\n"
    )
    assert not path.parent.exists()


# --- e-mail, through a real SMTP server on loopback ---------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message it receives (and who logged in)."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult

        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret-pw", handled=False)

    def messages(self) -> list[EmailMessage]:
        found = []
        for envelope in self.envelopes:
            parsed = message_from_bytes(envelope.original_content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, on a port the system chose."""
    from aiosmtpd.controller import Controller

    class LoopbackController(Controller):
        def _trigger_server(self) -> None:
            # Port 0 asks the system for a free port: read which one before the first contact.
            assert self.server is not None
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    inbox = Inbox()
    controller = LoopbackController(
        inbox,
        hostname="127.0.0.1",
        port=0,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


MAIL_ENV = {
    **LATER,
    "TRACKER_MAIL_FROM": "tracker@example.org",
}
ADDRESSES = ["--to", "ani=ani@example.org", "--to", "lena=Lena K <lena@example.org>"]


def test_email_sends_each_digest_to_its_forecaster(
    ledger: Tracker, smtp_server: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp_server
    book = tmp_path / "addresses"
    book.write_text("# who gets what\ntom = tom@example.org\nani=old@example.org\n")
    env = {
        **MAIL_ENV,
        "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "TRACKER_ADDRESSES": str(book),
    }
    result = _ok(ledger("remind", "--email", *ADDRESSES, env=env))
    assert result.stdout == (
        "Sent 3 reminders: ani (ani@example.org), lena (Lena K <lena@example.org>), "
        "tom (tom@example.org).\n"
    )
    assert [e.rcpt_tos for e in inbox.envelopes] == [
        ["ani@example.org"],
        ["lena@example.org"],
        ["tom@example.org"],
    ]
    assert {e.mail_from for e in inbox.envelopes} == {"tracker@example.org"}
    ani, lena, tom = inbox.messages()
    assert ani["Subject"] == "tracker: 2 questions need you (ani, 2021-12-10)"
    assert ani["From"] == "tracker@example.org"
    assert ani["To"] == "ani@example.org"
    assert lena["To"] == "Lena K <lena@example.org>"
    assert ani["Auto-Submitted"] == "auto-generated"
    assert tom["Subject"] == "tracker: 1 question needs you (tom, 2021-12-10)"
    body = ani.get_content().replace("\r\n", "\n")
    assert body.startswith(EXPECTED_TEXT.split("\n\nlena:")[0] + "\n")
    assert "20%" not in body  # lena's forecast on ani's question
    assert "Gas price" in tom.get_content() and "Who can resolve" in tom.get_content()


def test_email_logs_in_and_never_shows_the_password(
    ledger: Tracker, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    env = {**MAIL_ENV, "TRACKER_SMTP_URL": f"smtp://robot:s3cret-pw@127.0.0.1:{port}"}
    result = _ok(
        ledger("remind", "--email", "--for", "tom", "--to", "tom=tom@example.org", env=env)
    )
    assert inbox.logins == [(b"robot", b"s3cret-pw")]
    assert len(inbox.envelopes) == 1
    wrong = {**MAIL_ENV, "TRACKER_SMTP_URL": f"smtp://robot:wrong-pw@127.0.0.1:{port}"}
    failed = ledger("remind", "--email", "--for", "tom", "--to", "tom=tom@example.org", env=wrong)
    assert failed.exit_code == 1 and failed.stdout == ""
    assert failed.stderr.startswith(
        f"error: Cannot send the reminders through smtp://robot:***@127.0.0.1:{port}: the server "
        "answered 535"
    )
    assert failed.stderr.endswith("; nothing was sent.\n") and failed.stderr.count("\n") == 1
    assert "pw" not in result.stdout + result.stderr + failed.stderr
    assert len(inbox.envelopes) == 1


def test_email_to_nobody_in_need_sends_nothing(
    ledger: Tracker, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    env = {
        **MAIL_ENV,
        "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "TRACKER_NOW": "2021-11-29T13:00:00+00:00",
    }
    result = _ok(ledger("remind", "--email", "--for", "tom", "--within", "1d", env=env))
    assert result.stdout == "Sent 0 reminders. Nothing needs tom.\n"
    assert inbox.envelopes == []


def test_no_network_without_email(
    ledger: Tracker, smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    inbox, port = smtp_server
    env = {**MAIL_ENV, "TRACKER_SMTP_URL": f"smtp://127.0.0.1:{port}"}

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("remind reached for the network without --email")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    for args in ([], ["--json"], ["--ics", str(tmp_path / "d.ics")], ["--for", "ani"]):
        _ok(ledger("remind", *args, env=env))
    assert inbox.envelopes == []


def test_an_smtp_failure_is_one_line_and_exit_1(ledger: Tracker) -> None:
    # A port that is bound but not listening refuses connections, at once.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        env = {**MAIL_ENV, "TRACKER_SMTP_URL": f"smtp://u:hidden-pw@127.0.0.1:{port}"}
        result = ledger("remind", "--email", "--for", "tom", "--to", "tom=tom@example.org", env=env)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: Cannot send the reminders through smtp://u:***@127.0.0.1:{port}: Connection "
        "refused; nothing was sent.\n"
    )


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        (
            {},
            [],
            "--email needs TRACKER_SMTP_URL: set it to smtp://HOST:PORT (with USER:PASSWORD@ "
            "before the host for a server that wants a login), smtps://... for TLS, or "
            "smtp://...?starttls=1 (see docs/cli.md).",
        ),
        (
            {"TRACKER_SMTP_URL": "http://mail.example.org"},
            [],
            "TRACKER_SMTP_URL=http://mail.example.org is not an SMTP URL: write "
            "smtp://HOST:PORT (with USER:PASSWORD@ before the host for a server that wants a "
            "login), smtps://... for TLS, or smtp://...?starttls=1.",
        ),
        (
            {"TRACKER_SMTP_URL": "smtp://u:topsecret@mail.example.org:port"},
            [],
            "TRACKER_SMTP_URL=smtp://u:***@mail.example.org:port is not an SMTP URL: write "
            "smtp://HOST:PORT (with USER:PASSWORD@ before the host for a server that wants a "
            "login), smtps://... for TLS, or smtp://...?starttls=1 "
            "(its port is not a number from 1 to 65535).",
        ),
        (
            {"TRACKER_SMTP_URL": "smtp://mail.example.org?tls=yes"},
            [],
            "TRACKER_SMTP_URL=smtp://mail.example.org?tls=yes is not an SMTP URL: write "
            "smtp://HOST:PORT (with USER:PASSWORD@ before the host for a server that wants a "
            "login), smtps://... for TLS, or smtp://...?starttls=1 "
            "(the only setting it takes is starttls=1 or starttls=0).",
        ),
        (
            {"TRACKER_SMTP_URL": "smtp://mail.example.org", "TRACKER_MAIL_FROM": ""},
            [],
            "--email needs a sender: set TRACKER_MAIL_FROM, e.g. tracker@example.org.",
        ),
        (
            {"TRACKER_SMTP_URL": "smtp://mail.example.org"},
            ["--to", "ani=ani@example.org"],
            "No e-mail address for lena: pass --to lena=ADDRESS or add a line to the file in "
            "TRACKER_ADDRESSES; nothing was sent.",
        ),
        (
            {"TRACKER_SMTP_URL": "smtp://mail.example.org"},
            ["--to", "ani=not an address"],
            "--to: 'not an address' is not an e-mail address (write ani@example.org).",
        ),
        (
            {"TRACKER_SMTP_URL": "smtp://mail.example.org"},
            ["--to", "ani=ani@example.org\nBcc: x@example.org"],
            "--to: an e-mail address holds no control character or line break.",
        ),
        (
            {
                "TRACKER_SMTP_URL": "smtp://mail.example.org",
                "TRACKER_ADDRESSES": "/nonexistent/book",
            },
            [],
            "Cannot read TRACKER_ADDRESSES=/nonexistent/book: No such file or directory.",
        ),
    ],
)
def test_email_settings_are_checked_before_anything_is_sent(
    ledger: Tracker, env: dict[str, str], args: list[str], message: str
) -> None:
    result = ledger("remind", "--email", *args, env={**MAIL_ENV, **env})
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"error: {message}\n")


def test_a_clarification_updates_the_calendar_event(ledger: Tracker, tmp_path: Path) -> None:
    """The event keeps its UID; its SEQUENCE and LAST-MODIFIED follow the question's versions
    (tracker clarify), and it shows the latest title and deadline."""
    before, after = tmp_path / "before.ics", tmp_path / "after.ics"
    _ok(ledger("remind", "--ics", str(before), env=LATER))
    clarified = ledger(
        "clarify",
        "3",
        "--title",
        "Peace treaty initialled by both leaders",
        "--deadline",
        "2022-04-01",
        "--reason",
        "The summit moved to March.",
        "--as",
        "lena",
        env=LATER,
    )
    _ok(clarified)
    _ok(ledger("remind", "--ics", str(after), env=LATER))
    old = {str(e["UID"]): e for e in _events(before)}
    new = {str(e["UID"]): e for e in _events(after)}
    assert old.keys() == new.keys()
    (uid,) = [u for u in new if u.startswith("question-3-")]
    assert (int(old[uid]["SEQUENCE"]), int(new[uid]["SEQUENCE"])) == (0, 1)
    assert new[uid].decoded("LAST-MODIFIED").isoformat() == "2021-12-10T12:00:00+00:00"
    assert str(new[uid]["SUMMARY"]) == "Peace treaty initialled by both leaders"
    assert new[uid].decoded("DTSTART") == date(2022, 4, 1)
    # The other events are as they were.
    assert all(int(new[u]["SEQUENCE"]) == 0 for u in new if u != uid)


def test_on_a_blind_question_remind_tells_no_one_else_s_forecasts(ledger: Tracker) -> None:
    """Printed, other people's digests leave out a blind question hidden from the reader (so
    nobody learns who has forecast there, nor what); its own forecaster is reminded of it."""
    added = ledger(
        "add",
        "Secret talks resume",
        "-c",
        "Yes if talks resume.",
        "-d",
        "2021-12-15",
        "-t",
        "caucasus",
        "-p",
        "30%",
        "--blind",
        "--as",
        "tom",
    )
    _ok(added)
    number = 6
    as_ani = _remind_json(ledger, "--as", "ani")
    by_name = {d["forecaster"]: d for d in as_ani["forecasters"]}
    tom_items = [
        i
        for need in ("past_deadline", "due_soon", "stale", "not_forecast")
        for i in by_name["tom"][need]
    ]
    assert number not in [i["number"] for i in tom_items]
    # tom's only caucasus forecast is on the blind question: his tags do not tell it.
    assert "caucasus" not in by_name["tom"]["tags"]
    # ani has not forecast it: it is open in her tags, with no one's probability.
    assert number in _numbers(as_ani, "ani", "not_forecast")
    text = _ok(ledger("remind", "--as", "ani", env=LATER)).stdout
    assert "Secret talks resume" in text and "30%" not in text
    as_tom = _remind_json(ledger, "--as", "tom")
    assert number in _numbers(as_tom, "tom", "due_soon")
