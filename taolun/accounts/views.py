from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from .forms import ThrottledAuthenticationForm
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


password_change = auth_views.PasswordChangeView.as_view(
    template_name="accounts/form_page.html", success_url=reverse_lazy("accounts:password_change_done")
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="accounts/message_page.html")
password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/form_page.html",
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="accounts/message_page.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/form_page.html", success_url=reverse_lazy("accounts:password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(template_name="accounts/message_page.html")
