"""The staff roles, and the accounts a process writes the record under.

The groups and their permissions are made by migration 0002 (`Editors`: write drafts and the records they cite,
send to review; `Reviewers`: also rate, publish, retract and change published claims with a public note).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "Editors"
REVIEWERS_GROUP = "Reviewers"


def service_account(username: str, first_name: str, last_name: str, *, groups=(), permissions=()):
    """The account a process (the demo desk, an import) writes under, made on first use: it holds the given
    groups and claims permissions, and cannot log in."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first_name, last_name=last_name, is_active=True)
        user.set_unusable_password()
        user.save()
        user.groups.add(*Group.objects.filter(name__in=groups))
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="claims", codename__in=permissions)
        )
        user = User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache
    return user
