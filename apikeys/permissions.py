"""The scope a request made with an API key needs (README "API keys").

Safe methods need `read`, the others `write`, unless the view says otherwise: a `key_scope` attribute, or a
`key_scope_for(request)` method (the claims' workflow actions). Requests without a key (a browser's session,
anonymous) are not scope-checked. The owner's own permissions are checked on top, by the view as always.
"""

from rest_framework import permissions

from .models import APIKey
from .scopes import Scope


def default_scope(request) -> str:
    return Scope.READ if request.method in permissions.SAFE_METHODS else Scope.WRITE


def required_scope(request, view) -> str:
    if hasattr(view, "key_scope_for"):
        return view.key_scope_for(request)
    return getattr(view, "key_scope", None) or default_scope(request)


class HasKeyScope(permissions.BasePermission):
    code = "insufficient_scope"
    message = "The API key lacks the scope this request needs."

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, APIKey):
            return True
        scope = required_scope(request, view)
        if scope in key.scopes:
            return True
        self.message = (
            f"The API key lacks the scope '{scope}' that this request needs (it has: {', '.join(key.scopes)}). "
            "Ask for a key with that scope."
        )
        return False


class KeyScopeMixin:
    """For every API view: a key's scope is checked first, whatever `permission_classes` the view or action sets."""

    def check_permissions(self, request):
        scope = HasKeyScope()
        if not scope.has_permission(request, self):
            self.permission_denied(request, message=scope.message, code=scope.code)
        super().check_permissions(request)
