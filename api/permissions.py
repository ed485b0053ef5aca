"""Who may do what through the API.

Reads are public: `PublicReadOnly` lets anyone read and refuses every other method.
A view that writes states its own permission classes, combined with this one
(`PublicReadOnly | SomeWritePermission`), so that reads stay open whatever a write
requires.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class PublicReadOnly(BasePermission):
    """Anyone may read (GET, HEAD, OPTIONS); nobody may write."""

    def has_permission(self, request, view):
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed, with Allow
        return request.method in SAFE_METHODS

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS
