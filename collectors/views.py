from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from collectors import selectors
from collectors.errors import CONFLICT_MESSAGE, ConflictError
from collectors.forms import CollectorEditForm, CollectorSearchForm
from collectors.models import Collector
from collectors.services import collector_update
from collectors.tables import CollectorTable
from core.pagination import table_paginate

PER_PAGE = 25


@require_GET
@permission_required("collectors.view_collector", raise_exception=True)
def collector_list_page(request):
    """List collectors, sortable, searchable by site name."""
    search_form = CollectorSearchForm(request.GET)
    search = search_form.cleaned_data["q"].strip() if search_form.is_valid() else ""
    table = CollectorTable(
        selectors.collector_list(search=search),
        can_edit=request.user.has_perm("collectors.change_collector"),
    )
    table_paginate(request, table, per_page=PER_PAGE)
    return render(request, "collectors/list.html", {"table": table, "search_form": search_form})


@require_http_methods(["GET", "POST"])
@permission_required("collectors.change_collector", raise_exception=True)
def collector_edit_page(request, pk: UUID):
    """Edit a collector at the loaded version; a conflict answers 409 with a comparison and the input kept."""
    try:
        collector = selectors.collector_get(collector_id=pk)
    except Collector.DoesNotExist:
        raise Http404("No such collector") from None
    if request.method == "GET":
        form = CollectorEditForm.for_collector(collector)
        return render(request, "collectors/edit.html", {"collector": collector, "form": form})

    form = CollectorEditForm(request.POST)
    if not form.is_valid():
        return render(request, "collectors/edit.html", {"collector": collector, "form": form})
    try:
        updated = collector_update(
            collector_id=collector.pk,
            expected_version=form.cleaned_data["config_version"],
            changes=form.changes(),
            actor=request.user,
        )
    except ConflictError as conflict:
        context = {
            "collector": conflict.current,
            "form": form.rebased_on(conflict.current),
            "conflict_message": CONFLICT_MESSAGE,
            "comparison": form.comparison(conflict.current),
        }
        return render(request, "collectors/edit.html", context, status=409)
    except Collector.DoesNotExist:
        raise Http404("No such collector") from None
    messages.success(request, f'Saved "{updated.site_name}" (now version {updated.config_version}).')
    return redirect("collectors:list")
