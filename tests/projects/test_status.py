import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from projects.status import (
    RULES,
    Colour,
    colour_from_counts,
    days_late,
    indicator_met,
    is_done_late,
    is_on_time,
    milestone_colour,
    on_time_percent,
    percent_done,
    tally,
    urgency,
    worst,
)

TODAY = dt.date(2010, 9, 30)


def colour(due, done=None, window=7):
    return milestone_colour(due_date=due, done_date=done, today=TODAY, window_days=window)


def test_done_late_is_late_not_green():
    assert colour(dt.date(2010, 6, 30), done=dt.date(2010, 7, 15)) is Colour.LATE


def test_done_on_or_before_the_due_date_is_green():
    assert colour(dt.date(2010, 6, 30), done=dt.date(2010, 6, 30)) is Colour.GREEN
    assert colour(dt.date(2010, 6, 30), done=dt.date(2010, 6, 1)) is Colour.GREEN


def test_done_after_today_is_not_done_yet_so_overdue_not_late():
    # The admin allows a done date in the future; on every page it counts as open.
    assert colour(dt.date(2010, 9, 1), done=dt.date(2010, 10, 5)) is Colour.RED
    assert not is_done_late(
        due_date=dt.date(2010, 9, 1), done_date=dt.date(2010, 10, 5), today=TODAY
    )


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


def test_worst_colour_of_a_group_puts_what_still_needs_work_above_late():
    assert worst([Colour.GREEN, Colour.RED, Colour.AMBER]) is Colour.RED
    assert worst([Colour.GREEN, Colour.AMBER]) is Colour.AMBER
    assert worst([Colour.LATE, Colour.AMBER]) is Colour.AMBER
    assert worst([Colour.GREEN, Colour.LATE]) is Colour.LATE
    assert worst([]) is Colour.GREEN


def test_colour_from_counts_matches_worst():
    assert colour_from_counts(red=1, amber=5, late=3) is Colour.RED
    assert colour_from_counts(red=0, amber=2, late=3) is Colour.AMBER
    assert colour_from_counts(red=0, amber=0, late=1) is Colour.LATE
    assert colour_from_counts(red=0, amber=0, late=0) is Colour.GREEN


def test_labels_are_chinese_words():
    assert [c.label for c in Colour] == ["正常", "逾期完成", "临期", "逾期未完成"]


def test_milestone_label_says_on_time_for_a_done_green_milestone():
    assert Colour.GREEN.milestone_label(done=True) == "按期完成"
    assert Colour.GREEN.milestone_label(done=False) == "正常"
    assert Colour.LATE.milestone_label(done=True) == "逾期完成"
    assert Colour.RED.milestone_label(done=False) == "逾期未完成"
    assert Colour.AMBER.milestone_label(done=False) == "临期"


def test_is_done_late_and_is_on_time():
    due = dt.date(2010, 9, 1)
    assert is_done_late(due_date=due, done_date=dt.date(2010, 9, 2), today=TODAY)
    assert not is_done_late(due_date=due, done_date=due, today=TODAY)
    assert not is_done_late(due_date=due, done_date=None, today=TODAY)
    assert is_on_time(due_date=due, done_date=due, today=TODAY)
    assert not is_on_time(due_date=due, done_date=dt.date(2010, 9, 2), today=TODAY)
    assert not is_on_time(due_date=due, done_date=None, today=TODAY)
    # Not yet done on the day asked about: neither.
    assert not is_on_time(due_date=due, done_date=dt.date(2010, 8, 1), today=dt.date(2010, 7, 1))


def test_days_late_of_a_late_completion_is_counted_to_its_done_date():
    # The example: due 8/31, reported done 9/29.
    due, done = dt.date(2010, 8, 31), dt.date(2010, 9, 29)
    assert days_late(due_date=due, done_date=done, today=TODAY) == 29
    # It stays 29 days, whenever one asks.
    assert days_late(due_date=due, done_date=done, today=dt.date(2010, 12, 31)) == 29


def test_days_late_of_an_overdue_milestone_is_counted_to_today():
    due = dt.date(2010, 9, 20)
    assert days_late(due_date=due, done_date=None, today=TODAY) == 10
    # Done after the day asked about: still overdue on that day.
    assert days_late(due_date=due, done_date=dt.date(2010, 10, 3), today=TODAY) == 10


def test_days_late_is_zero_for_on_time_open_and_due_soon():
    due = dt.date(2010, 9, 30)
    assert days_late(due_date=due, done_date=due, today=TODAY) == 0
    assert days_late(due_date=due, done_date=None, today=TODAY) == 0  # due today: amber
    assert days_late(due_date=dt.date(2010, 12, 1), done_date=None, today=TODAY) == 0


def test_on_time_percent_is_none_when_nothing_is_due():
    assert on_time_percent(0, 0) is None
    assert on_time_percent(2, 3) == 67
    assert on_time_percent(3, 3) == 100


def test_tally_counts_due_on_time_and_late_apart():
    rows = [
        (dt.date(2010, 6, 30), dt.date(2010, 6, 30)),  # on time
        (dt.date(2010, 6, 30), dt.date(2010, 7, 10)),  # late
        (dt.date(2010, 7, 31), None),  # overdue
        (dt.date(2010, 10, 3), None),  # amber
        (dt.date(2010, 12, 1), dt.date(2010, 9, 1)),  # done early, not due yet
    ]
    assert tally(rows, today=TODAY, window_days=7) == {
        "total": 5,
        "done": 3,
        "due": 3,
        "due_on_time": 1,
        "red": 1,
        "amber": 1,
        "late": 1,
    }


def test_a_done_milestone_comes_after_every_open_one_in_the_work_list():
    args = {"today": TODAY, "window_days": 7}
    late = urgency(due_date=dt.date(2010, 6, 30), done_date=dt.date(2010, 7, 1), **args)
    on_time = urgency(due_date=dt.date(2010, 6, 30), done_date=dt.date(2010, 6, 1), **args)
    open_later = urgency(due_date=dt.date(2010, 12, 1), done_date=None, **args)
    overdue = urgency(due_date=dt.date(2010, 9, 1), done_date=None, **args)
    assert overdue < open_later < late == on_time


def test_every_colour_but_green_has_a_rule():
    assert {rule.colour for rule in RULES} == set(Colour) - {Colour.GREEN}


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


@given(due=dates, done=st.none() | dates, today=dates, window=st.integers(0, 60))
def test_group_colour_from_counts_agrees_with_the_per_milestone_rule(due, done, today, window):
    c = milestone_colour(due_date=due, done_date=done, today=today, window_days=window)
    done_by = done is not None and done <= today
    red = int(not done_by and due < today)
    amber = int(not done_by and today <= due <= today + dt.timedelta(days=window))
    late = int(done_by and done > due)
    assert colour_from_counts(red=red, amber=amber, late=late) is c
    assert (c is Colour.LATE) == bool(late)
    # Done by the day: late or on time, never both; and days late only when late or red.
    on_time = is_on_time(due_date=due, done_date=done, today=today)
    assert on_time + late == done_by
    days = days_late(due_date=due, done_date=done, today=today)
    assert (days > 0) == (c in (Colour.LATE, Colour.RED))
