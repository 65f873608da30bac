import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from projects.status import (
    Colour,
    colour_from_counts,
    indicator_met,
    is_late,
    milestone_colour,
    percent_done,
    worst,
)

TODAY = dt.date(2010, 9, 30)


def colour(due, done=None, window=7):
    return milestone_colour(due_date=due, done_date=done, today=TODAY, window_days=window)


def test_done_milestone_is_green_even_when_done_late():
    assert colour(dt.date(2010, 6, 30), done=dt.date(2010, 7, 15)) is Colour.GREEN


def test_open_milestone_past_due_is_red():
    assert colour(dt.date(2010, 9, 29)) is Colour.RED


def test_open_milestone_due_today_is_amber():
    assert colour(TODAY) is Colour.AMBER


def test_window_boundary_is_amber_and_the_day_after_is_green():
    assert colour(dt.date(2010, 10, 7)) is Colour.AMBER
    assert colour(dt.date(2010, 10, 8)) is Colour.GREEN


def test_window_is_a_parameter():
    assert colour(dt.date(2010, 10, 14), window=14) is Colour.AMBER
    assert colour(dt.date(2010, 10, 1), window=0) is Colour.GREEN


def test_worst_colour_of_a_group():
    assert worst([Colour.GREEN, Colour.RED, Colour.AMBER]) is Colour.RED
    assert worst([Colour.GREEN, Colour.AMBER]) is Colour.AMBER
    assert worst([]) is Colour.GREEN


def test_colour_from_counts_matches_worst():
    assert colour_from_counts(red=1, amber=5) is Colour.RED
    assert colour_from_counts(red=0, amber=2) is Colour.AMBER
    assert colour_from_counts(red=0, amber=0) is Colour.GREEN


def test_labels_are_chinese_words():
    assert [c.label for c in Colour] == ["正常", "临期", "逾期"]


def test_is_late():
    assert is_late(due_date=dt.date(2010, 9, 1), done_date=None, today=TODAY)
    assert is_late(due_date=dt.date(2010, 9, 1), done_date=dt.date(2010, 9, 2), today=TODAY)
    assert not is_late(due_date=dt.date(2010, 9, 1), done_date=dt.date(2010, 9, 1), today=TODAY)


def test_percent_done():
    assert percent_done(0, 0) == 0
    assert percent_done(1, 3) == 33
    assert percent_done(2, 3) == 67


def test_indicator_met_by_direction():
    assert indicator_met(direction="increase", target=13, actual=13) is True
    assert indicator_met(direction="increase", target=41, actual=40) is False
    assert indicator_met(direction="decrease", target=5, actual=3) is True
    assert indicator_met(direction="binary", target=None, actual=1) is True
    assert indicator_met(direction="increase", target=10, actual=None) is None


dates = st.dates(min_value=dt.date(2010, 1, 1), max_value=dt.date(2010, 12, 31))


@given(due=dates, today=dates, window=st.integers(0, 60))
def test_group_colour_from_counts_agrees_with_the_per_milestone_rule(due, today, window):
    c = milestone_colour(due_date=due, done_date=None, today=today, window_days=window)
    red = int(due < today)
    amber = int(today <= due <= today + dt.timedelta(days=window))
    assert colour_from_counts(red=red, amber=amber) is c
