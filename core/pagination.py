"""Show one page of a django-tables2 table, sorted as the request asks."""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django_tables2 import RequestConfig, Table


def table_paginate(request, table: Table, *, per_page: int) -> None:
    """Sort `table` from ?sort= and show the ?page= asked for, clamped to the pages there are."""
    # Paginate here rather than in RequestConfig, which would take any ?per_page= (0 or -1 crash it).
    RequestConfig(request, paginate=False).configure(table)
    try:
        table.paginate(page=request.GET.get("page", 1), per_page=per_page)
    except PageNotAnInteger:
        table.paginate(page=1, per_page=per_page)
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, per_page=per_page)
