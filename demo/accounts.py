"""Who the demo is recorded under (the demo desk) and the demo logins `seed_demo` makes with DEBUG on."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims import services
from claims.accounts import EDITORS_GROUP, REVIEWERS_GROUP, service_account
from claims.models import PublicProfile

SYSTEM_USERNAME = "factcheck-demo-desk"
DESK_PUBLIC_NAME = "Demo desk"

# The demo accounts made with DEBUG on: username -> (password, group, superuser, public name).
DEMO_ACCOUNTS = {
    "editor": ("factcheck-editor", EDITORS_GROUP, False, ""),
    "reviewer": ("factcheck-reviewer", REVIEWERS_GROUP, False, "Demo reviewer"),
    "admin": ("factcheck-admin", None, True, ""),
}


def system_user(*, named_at=None):
    """The reviewer the demo's story is recorded under; it cannot log in. Readers see it as the "Demo desk"
    (its public name is given once, dated named_at, and left alone afterwards)."""
    user = service_account(SYSTEM_USERNAME, "Demo", "desk", groups=[REVIEWERS_GROUP])
    if not PublicProfile.objects.filter(user=user).exists():
        services.public_name_set(user=user, by=user, public_name=DESK_PUBLIC_NAME, at=named_at)
    return user


@dataclass(frozen=True)
class AccountResult:
    username: str
    password: str
    role: str
    created: bool
    password_is_demo: bool


def ensure_demo_accounts() -> list[AccountResult]:
    """Create the demo editor, reviewer and admin if missing; existing accounts are left alone."""
    User = get_user_model()
    results = []
    for username, (password, group, superuser, public_name) in DEMO_ACCOUNTS.items():
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, email=f"{username}@example.org", is_staff=True, is_superuser=superuser)
            user.set_password(password)
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
            if public_name:
                services.public_name_set(user=user, by=user, public_name=public_name)
        role = "superuser" if superuser else f"{group} group"
        results.append(AccountResult(username, password, role, created, user.check_password(password)))
    return results
