from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.core.http import no_store
from taolun.core.pagination import paginate
from taolun.orgs.forms import add_service_errors

from . import selectors, services
from .forms import RoleAssignForm, RoleFilterForm, ThrottledAuthenticationForm, TokenCreateForm
from .models import ApiToken, RoleAssignment
from .selectors import role_scopes


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None)
    assignments = request.user.role_assignments.select_related("unit")  # type: ignore[union-attr]
    return render(
        request,
        "accounts/profile.html",
        {"person": person, "assignments": assignments, "roles": sorted(role_scopes(request.user))},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/form_page.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_password_changed(user=form.user, how="change")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/form_page.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        with transaction.atomic():
            response = super().form_valid(form)
            services.user_password_changed(user=form.user, how="reset")
        return response


password_change = PasswordChangeView.as_view()
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/message_page.html")
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/form_page.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/message_page.html")
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(template_name="accounts/message_page.html")


# --- role assignment ------------------------------------------------------------------------
@login_required
@permission_required("accounts.assign_roles", raise_exception=True)
def role_list(request: HttpRequest) -> HttpResponse:
    """Users the assigner manages, with their roles; revoke buttons where the assigner may revoke."""
    form = RoleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.role_list_users(request.user, q=filters.get("q", ""), role=filters.get("role", ""))
    page, base = paginate(request, users)
    rows = []
    for account in page:
        assignments = [
            (a, services.can_assign(by=request.user, role=a.role, unit_path=a.unit.path if a.unit else None))  # type: ignore[arg-type]
            for a in account.role_assignments.all()
        ]
        rows.append({"user": account, "person": getattr(account, "person", None), "assignments": assignments})
    context = {"form": form, "page_obj": page, "querystring_base": base, "rows": rows}
    htmx = getattr(request, "htmx", None)
    template = "accounts/_role_rows.html" if htmx and htmx.target == "role-rows" else "accounts/role_list.html"
    return render(request, template, context)


@login_required
@permission_required("accounts.assign_roles", raise_exception=True)
@require_http_methods(["GET", "POST"])
def role_assign(request: HttpRequest) -> HttpResponse:
    form = RoleAssignForm(
        request.POST or None,
        by=request.user,
        initial={"username": request.GET.get("user", "")[:150]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.role_assign(
                user=data["username"],
                role=data["role"],
                unit=data["unit"],
                by=request.user,  # type: ignore[arg-type]
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                # Scope refusals concern the unit chosen: show them beside the unit picker.
                form.add_error("unit", str(exc))
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, _("已分配角色：%(assignment)s") % {"assignment": assignment})
            return redirect(f"{reverse('accounts:role_list')}?{urlencode({'q': assignment.user.username})}")
    return render(request, "accounts/role_assign.html", {"form": form})


@login_required
@permission_required("accounts.assign_roles", raise_exception=True)
@require_http_methods(["GET", "POST"])
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes."""
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user", "unit"), pk=pk)
    unit_path = assignment.unit.path if assignment.unit else None
    if not services.can_assign(by=request.user, role=assignment.role, unit_path=unit_path):  # type: ignore[arg-type]
        raise PermissionDenied(_("这一角色不在您的管理范围内，不能撤销。"))
    if request.method == "POST":
        label = str(assignment)
        services.role_revoke(assignment=assignment, by=request.user)  # type: ignore[arg-type]
        messages.success(request, _("已撤销角色：%(assignment)s") % {"assignment": label})
        return redirect(f"{reverse('accounts:role_list')}?{urlencode({'q': assignment.user.username})}")
    return render(request, "accounts/role_revoke_confirm.html", {"assignment": assignment})


# --- personal API tokens --------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own tokens; creating one shows the raw token on this response only."""
    form = TokenCreateForm(request.POST or None)
    created = raw = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw = services.token_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = TokenCreateForm()
    tokens = selectors.tokens_of(request.user)  # type: ignore[arg-type]
    response = render(
        request, "accounts/token_list.html", {"form": form, "tokens": tokens, "created": created, "raw": raw}
    )
    return no_store(response) if raw else response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    services.token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("已吊销令牌“%(name)s”。") % {"name": token.name})
    return redirect("accounts:token_list")
