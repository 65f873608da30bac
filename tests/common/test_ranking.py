"""The one ranking rule (``common.ranking``): competition ranking, "1224"."""

from hypothesis import given
from hypothesis import strategies as st

from common.ranking import competition_ranks


def test_ties_share_a_rank_and_the_next_rank_skips():
    scores = {"a": 90, "b": 85, "c": 85, "d": 80}
    ranked = competition_ranks(scores, key=lambda name: -scores[name])
    assert ranked == [(1, "a"), (2, "b"), (2, "c"), (4, "d")]


def test_order_sorts_within_a_tie_only():
    rows = [("乙", 50, 2), ("甲", 50, 1), ("丙", 70, 3)]
    ranked = competition_ranks(rows, key=lambda r: -r[1], order=lambda r: r[2])
    assert ranked == [(1, ("丙", 70, 3)), (2, ("甲", 50, 1)), (2, ("乙", 50, 2))]


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3)), max_size=30),
    st.randoms(use_true_random=False),
)
def test_a_rank_is_one_plus_the_items_strictly_better(keys, random):
    items = list(enumerate(keys))
    shuffled = items[:]
    random.shuffle(shuffled)
    ranked = competition_ranks(shuffled, key=lambda item: item[1], order=lambda item: -item[0])

    assert sorted(item for _rank, item in ranked) == items
    for rank, (_i, key) in ranked:
        assert rank == 1 + sum(1 for _j, other in items if other < key)
    assert [rank for rank, _item in ranked] == sorted(rank for rank, _item in ranked)
