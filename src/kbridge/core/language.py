"""Where the language switch sends a person back (issue 11, item 3).

The switch (base.html) posts to Django's ``set_language`` with ``next``, and the browser then
*GETs* ``next``. After a POST — a submission refused with errors, an extension form shown
again — the page on screen belongs to a URL that may answer POST only; sending the person back
there showed the browser's "HTTP ERROR 405". So ``next`` is:

* the page itself (``request.get_full_path()``) for GET and HEAD requests, and after a POST to
  a URL that also answers GET (a form page shown again with its errors);
* after a POST to a POST-only URL, the page its view names with :func:`post_only` (the
  application's edit page after a refused submission, the list after an extension);
* otherwise the list of open calls (e.g. Django's sign-out view, which answers POST only).

``tests/core/test_language_switch.py`` POSTs to every POST-only URL of the permission matrix as
every persona and GETs the ``next`` each page carries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.urls import reverse
from django.views.decorators.http import require_POST

Back = Callable[..., str]


def post_only(back: Back):
    """``require_POST``, plus where the language switch goes from a page this view renders:
    ``back(request, **url_kwargs)`` returns a URL that answers GET (see :func:`to`)."""

    def decorator(view):
        guarded = require_POST(view)

        @wraps(guarded)
        def wrapped(request, *args, **kwargs):
            return guarded(request, *args, **kwargs)

        wrapped.language_back = back
        wrapped.answers_get = False
        return wrapped

    return decorator


def to(url_name: str, *keys: str) -> Back:
    """``to("applications:edit", "pk")``: the named page, with the URL arguments it needs
    taken from the POST-only URL's own arguments."""

    def back(request, **kwargs) -> str:
        return reverse(url_name, kwargs={key: kwargs[key] for key in keys})

    return back


def _attribute(func, name: str):
    """An attribute set by :func:`post_only`, looked up through the decorators around it
    (``functools.wraps`` copies attributes, but a decorator may not use it)."""
    while func is not None:
        if name in getattr(func, "__dict__", {}):
            return func.__dict__[name]
        func = getattr(func, "__wrapped__", None)
    return None


def _answers_get(func) -> bool:
    view_class = getattr(func, "view_class", None)
    if view_class is not None:  # class-based views say which methods they answer
        return "get" in view_class.http_method_names and hasattr(view_class, "get")
    return _attribute(func, "answers_get") is not False


def switch_target(request) -> str:
    """The URL the language switch on this page returns to; it always answers GET."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    match = getattr(request, "resolver_match", None)
    if match is not None:
        back = _attribute(match.func, "language_back")
        if back is not None:
            return back(request, *match.args, **match.kwargs)
        if _answers_get(match.func):
            return request.get_full_path()
    return reverse("public:call_list")
