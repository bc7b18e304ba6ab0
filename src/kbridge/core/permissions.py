"""Permission helpers for views: the answer to "may not see" is always 404.

Views name a permission; the predicate lives in the app's rules.py. Returning 404 instead of
403 means a user cannot even learn that an object exists.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404


def get_object_or_404_for(user, perm: str, queryset, **lookup):
    obj = get_object_or_404(queryset, **lookup)
    if not user.has_perm(perm, obj):
        raise Http404
    return obj


def require_perm(perm: str):
    """Require a global permission; anonymous users are sent to log in, others get 404."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_login(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
