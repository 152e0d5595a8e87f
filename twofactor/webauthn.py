"""django-otp-webauthn's endpoints, with passkeys as a second factor only and the lockout applied to them."""

from django.urls import path, reverse
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions, views

from . import lockout, policy


class LockedOut(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = "Too many failed sign-ins for this account from your address: try again later."
    default_code = "locked_out"


class CompleteAuthentication(views.CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        super().check_can_authenticate()
        user = self.get_user()
        if user is None:
            raise exceptions.NotAuthenticated()  # a passkey is the second step, after the password
        if lockout.locked_out(self.request, user):
            raise LockedOut()

    def complete_auth(self, device):
        super().complete_auth(device)
        policy.remember_enrolment(self.request, self.request.user)
        lockout.signed_in(self.request, self.request.user)

    def get_success_url(self):
        return self.get_redirect_url() or reverse("admin:index")


app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        views.CompleteCredentialRegistrationView.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path("authentication/complete/", CompleteAuthentication.as_view(), name="credential-authentication-complete"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
