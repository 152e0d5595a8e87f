from django.urls import path

from . import views

app_name = "twofactor"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("app/", views.enrol, name="enrol"),
    path("codes/", views.codes, name="codes"),
    path("codes/new/", views.codes_new, name="codes_new"),
    path("remove/", views.remove, name="remove"),
    path("passkey/registered/", views.passkey_registered, name="passkey_registered"),
]
