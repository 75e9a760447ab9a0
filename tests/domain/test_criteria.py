"""The dates resolution criteria name, and the warning when none of them is the deadline."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.criteria import dates_named, deadline_disagreement


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes if it happens by 30 April 2025.", [date(2025, 4, 30)]),
        ("Yes if it happens by 2025-04-30.", [date(2025, 4, 30)]),
        ("Yes if it happens by April 30, 2025.", [date(2025, 4, 30)]),
        ("Yes if it happens by the 30th of April, 2025.", [date(2025, 4, 30)]),
        ("Yes if it happens by Sept. 1st 2025.", [date(2025, 9, 1)]),
        ("Between 1 March 2025 and 30 Apr 2025.", [date(2025, 3, 1), date(2025, 4, 30)]),
        ("By 30 April 2025 (that is, 2025-04-30).", [date(2025, 4, 30)]),
        # Not explicit dates: a month, a day without a year, an impossible day, a range of years.
        ("By April 2025, or by 30 April.", []),
        ("By 31 April 2025.", []),
        ("In 2024-2025, or by end-2025.", []),
    ],
)
def test_dates_named(text: str, expected: list[date]) -> None:
    assert dates_named(text) == expected


def test_no_warning_when_the_deadline_is_named_or_no_date_is() -> None:
    assert deadline_disagreement("Yes if signed by 30 April 2025.", date(2025, 4, 30)) is None
    assert deadline_disagreement("Yes if signed by the deadline.", date(2025, 4, 30)) is None
    # Other dates beside the deadline are fine: the event that sets it off, say.
    assert (
        deadline_disagreement(
            "Yes if the deal of 1 March 2025 is ratified by 30 April 2025.", date(2025, 4, 30)
        )
        is None
    )


def test_the_warning_names_both_dates() -> None:
    assert deadline_disagreement("Yes if signed by April 30, 2025.", date(2025, 5, 31)) == (
        "the criteria name 30 April 2025, but the deadline is 31 May 2025 (2025-05-31): check "
        "that they agree."
    )
