"""Competition ranking ("1224"), the one rule behind every rank the app shows
or prints: the dashboard's unit ranking, the assessment results and the PDFs.

The contract:

- ``key(item)`` is the item's standing, **smaller is better**: e.g.
  ``(-percent, overdue)`` for units by completion, ``(vetoed, -total)`` for
  assessment results. It must be a value compared by equality as well as by
  order (ints, Decimals, tuples of them; not floats that were computed two ways).
- Items whose keys are equal share a rank, and the next rank skips the places
  the tie took: 1, 2, 2, 4. The rank of an item is therefore 1 + the number of
  items with a strictly better key, whatever the order they came in.
- ``order(item)`` (optional) orders the items *within* a tie for display (a
  unit's place in the org chart, its name). It never changes a rank.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

T = TypeVar("T")


def competition_ranks(
    items: Iterable[T],
    *,
    key: Callable[[T], SupportsRichComparison],
    order: Callable[[T], SupportsRichComparison] | None = None,
) -> list[tuple[int, T]]:
    """``(rank, item)`` pairs, best first (see the module docstring for the contract).

    Items equal in both ``key`` and ``order`` keep the order they came in.
    """
    keyed = [(key(item), item) for item in items]
    if order is not None:
        keyed.sort(key=lambda pair: order(pair[1]))
    keyed.sort(key=lambda pair: pair[0])  # stable: ``order`` survives within a tie
    ranked: list[tuple[int, T]] = []
    for position, (standing, item) in enumerate(keyed, start=1):
        if position == 1 or standing != keyed[position - 2][0]:
            rank = position
        ranked.append((rank, item))
    return ranked
