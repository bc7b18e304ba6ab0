from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from kbridge.core import throttle
from kbridge.core.middleware import is_sessionless

SESSION_KEY = "kbridge_last_seen"


class IdleTimeoutMiddleware:
    """Log a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request.

    The absolute limit is the session cookie age (12 h); this adds the idle limit (30 min) that
    shared office computers in agencies need.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A sessionless view (core.middleware.sessionless: the live Q&A's polled list) is no
        # sign of activity and must not load the session.
        if is_sessionless(view_func):
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(SESSION_KEY)
            if last_seen is not None and now - int(last_seen) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were signed out after 30 minutes without activity."))
            elif last_seen is None or now - int(last_seen) >= 60:
                # Refresh at most once a minute: writing the session on every request (every
                # autosave) would cost a database commit each time.
                request.session[SESSION_KEY] = now
        return None


class LoginThrottleMiddleware:
    """Answer 429 + Retry-After whenever the login throttle refused an attempt in this request.

    The sign-in page renders its own 429 (the form with the message); any other path that
    authenticates (the admin's login, a future one) would otherwise say "wrong password",
    which is not true, so its answer is replaced with the throttle page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        verdict = getattr(request, "login_throttled", None)
        if verdict is not None and response.status_code != 429:
            return throttle.refused_response(request, verdict)
        return response
