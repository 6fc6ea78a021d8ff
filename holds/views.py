"""Pages of legal holds for the Legal group: the list, placing a hold, one hold and its release."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.pagination import table_paginate
from holds import selectors
from holds.errors import HoldAlreadyReleasedError, HoldError, HoldInvalidError, HoldSelfReleaseError
from holds.forms import HoldFilterForm, HoldPlaceForm, HoldReleaseForm
from holds.models import Hold
from holds.services import hold_place, hold_release
from holds.tables import HoldTable

PAGE_SIZE = 50  # not a parameter: ?per_page= is ignored


@require_safe
@permission_required("holds.view_hold", raise_exception=True)
def hold_list_page(request):
    """List holds, active ones first by default, filtered by status, case and plate."""
    filter_form = HoldFilterForm(request.GET)
    filters = filter_form.filters()
    table = HoldTable(selectors.hold_list(filters=filters))
    table_paginate(request, table, per_page=PAGE_SIZE)
    return render(
        request, "holds/list.html", {"filter_form": filter_form, "filters": filters, "table": table}
    )


@require_http_methods(["GET", "POST"])
@permission_required("holds.add_hold", raise_exception=True)
def hold_create_page(request):
    """Place a hold; the service's refusals show on the field at fault."""
    form = HoldPlaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hold = hold_place(
                case_number=data["case_number"],
                reason=data["reason"],
                plate_number=data["plate_number"],
                collector_id=data["collector"].pk if data["collector"] else None,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                placed_by=request.user,
            )
        except HoldInvalidError as refused:
            form.add_error(refused.field if refused.field in form.fields else None, str(refused))
        else:
            messages.success(request, f"Hold #{hold.pk} placed for case {hold.case_number}.")
            return redirect("holds:detail", pk=hold.pk)
    status = 400 if form.is_bound else 200
    return render(request, "holds/create.html", {"form": form}, status=status)


def _hold_or_404(pk: int) -> Hold:
    try:
        return selectors.hold_get(hold_id=pk)
    except Hold.DoesNotExist:
        raise Http404("No such hold") from None


def _detail(request, hold: Hold, *, release_form: HoldReleaseForm | None = None, status: int = 200):
    context = {
        "hold": hold,
        "kept_rows": selectors.hold_kept_rows(hold_id=hold.pk),
        "release_form": release_form or HoldReleaseForm(),
        "own_hold": hold.placed_by_id == request.user.pk,
        "two_person_release": settings.LEGAL_HOLD_TWO_PERSON_RELEASE,
    }
    return render(request, "holds/detail.html", context, status=status)


@require_safe
@permission_required("holds.view_hold", raise_exception=True)
def hold_detail_page(request, pk: int):
    """Show one hold: scope, window, who placed and released it, the rows it keeps; the release form."""
    return _detail(request, _hold_or_404(pk))


@require_POST
@permission_required("holds.release_hold", raise_exception=True)
def hold_release_page(request, pk: int):
    """Release a hold with a reason (by another user than its placer, under the two-person rule)."""
    hold = _hold_or_404(pk)
    form = HoldReleaseForm(request.POST)
    if not form.is_valid():
        return _detail(request, hold, release_form=form, status=400)
    try:
        released = hold_release(
            hold_id=hold.pk, released_by=request.user, reason=form.cleaned_data["release_reason"]
        )
    except HoldError as refused:
        form.add_error(None, str(refused))
        status = 403 if isinstance(refused, HoldSelfReleaseError) else 409
        if isinstance(refused, HoldAlreadyReleasedError):
            hold = _hold_or_404(pk)  # show who released it
        elif isinstance(refused, HoldInvalidError):
            status = 400
        return _detail(request, hold, release_form=form, status=status)
    messages.success(request, f"Hold #{released.pk} (case {released.case_number}) released.")
    return redirect("holds:detail", pk=released.pk)
