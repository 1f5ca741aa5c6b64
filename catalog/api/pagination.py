"""One statement for a page of the catalog list and its total.

DRF's page-number pagination asks the database twice: ``COUNT(*)`` over the filtered list,
then the page; each evaluates the visibility subquery over all of the reader's grants. Here the
page carries the total as ``COUNT(*) OVER ()``: PostgreSQL filters once, counts the filtered
rows while it sorts them, and computes the per-row subqueries (version count, latest version)
for the page's rows only. Only a page past the end (no row to carry the total) asks for the
count separately. The answers are DRF's: the same ``count``, links, 404 for a page past the end.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, Window

from common.api import StandardPagination

_TOTAL = "listed_total"


class PageWithTotalPaginator(Paginator):
    def page(self, number):
        if not isinstance(number, int) or number < 1:
            return super().page(number)  # Django's own refusal
        bottom = (number - 1) * self.per_page
        rows = list(
            self.object_list.annotate(**{_TOTAL: Window(Count("*"))})[
                bottom : bottom + self.per_page + self.orphans
            ]
        )
        if rows:
            total = getattr(rows[0], _TOTAL)
        elif bottom == 0:
            total = 0
        else:
            total = self.object_list.count()
        self.__dict__["count"] = total  # Paginator.count is a cached property
        number = self.validate_number(number)
        top = bottom + self.per_page
        if top + self.orphans < total:
            rows = rows[: self.per_page]
        if not rows and not (number == 1 and self.allow_empty_first_page):
            raise EmptyPage("That page contains no results")
        return self._get_page(rows, number, self)


class CatalogPagination(StandardPagination):
    """``StandardPagination`` whose page and total come from one statement."""

    django_paginator_class = PageWithTotalPaginator
