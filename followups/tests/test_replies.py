"""Recognising "it is not solved" in a reply to a follow-up."""

import pytest

from followups.replies import says_unsolved


@pytest.mark.parametrize(
    "text",
    [
        "No, it is still not working.",
        "no",
        "The parcel has not arrived yet",
        "I still haven't received a refund",
        "The new charger doesn't work either",
        "Nothing has changed since last week",
        "Das Problem ist immer noch nicht gelöst",
    ],
)
def test_unsolved_replies_are_recognised(text):
    assert says_unsolved(text)


@pytest.mark.parametrize(
    "text",
    [
        "Yes, all good, thank you!",
        "It arrived today, no problem at all.",
        "Solved, thanks",
        "Know what, it works",
    ],
)
def test_solved_replies_are_not(text):
    assert not says_unsolved(text)
