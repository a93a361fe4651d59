"""Paged lists that count their matches only up to a limit (issue #8).

A list whose page says "page n of m" must count what it shows; counting 250,000 cases
or a queue of 15,000 plans on every view made the page's cost grow with the data. The
case list and the approval queue count exactly up to a limit (or to the end of the
page asked for, if that is further) and beyond it say "more than N" and "page n of at
least m"; paging on still reaches every row. The other paged lists (the follow-up
overview's, the audit trail, the administrator's) do the same with :func:`read_page`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlmodel import func, select

MAX_PAGE = 1_000_000  # a page number past any data; keeps LIMIT within what a database holds


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    pages: int
    total: int
    more: bool = False  # counting stopped: more than ``total`` matches, at least ``pages`` pages


def count_cap(number: int, size: int, count_limit: int) -> tuple[int, int]:
    """The page asked for, within 1..MAX_PAGE, and how many rows to count at most: up to
    ``count_limit`` or the end of that page, and one more to know whether there are more."""
    number = max(1, min(number, MAX_PAGE))
    return number, max(count_limit, number * size) + 1


@dataclass(frozen=True)
class Counted:
    """What a count stopped at ``cap`` (from :func:`count_cap`) says about the pages."""

    counted: int
    cap: int
    size: int

    @property
    def more(self) -> bool:
        return self.counted >= self.cap

    @property
    def total(self) -> int:
        """The count to show: exact, or "more than" this."""
        return self.cap - 1 if self.more else self.counted

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.counted / self.size))

    def page(self, items: list, number: int) -> Page:
        return Page(items, number, self.pages, self.total, self.more)


def read_page(db, rows, counted, number: int, size: int, count_limit: int) -> Page:
    """Page ``number`` of ``rows`` (a statement in the list's order); ``counted`` selects
    the same rows for counting (no order), which stops at the cap of :func:`count_cap`.
    A page past the end is the last page, one below 1 the first."""
    number, cap = count_cap(number, size, count_limit)
    found = Counted(db.exec(select(func.count()).select_from(counted.limit(cap).subquery())).one(), cap, size)
    number = min(number, found.pages)
    return found.page(list(db.exec(rows.offset((number - 1) * size).limit(size)).all()), number)
