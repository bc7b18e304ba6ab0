"""The login throttle, as the first authentication backend so every ``authenticate()`` call
goes through it: the sign-in page, the admin's login, and anything else that authenticates.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from kbridge.core import throttle

LOGIN_ACCOUNT_ADDRESS = "login-account-address"
LOGIN_ADDRESS = "login-address"


def account_address_subject(email: str, address: str) -> str:
    return f"{throttle.email_subject(email)}:{address}"


class LoginThrottleBackend:
    """Reserve a login attempt before any password is checked; refuse past the limits.

    Two counters (rates in ``KBRIDGE_THROTTLE_RATES``): ``login-account-address`` per account
    *and* client address, and the looser ``login-address`` per client address over all
    accounts. Nothing counts per account alone, so failures from an attacker's address never
    lock the owner out at their own address. A refusal raises ``PermissionDenied``, which
    makes ``authenticate()`` stop and return ``None``; the verdict is left on
    ``request.login_throttled`` for the view (429 + Retry-After) or
    ``LoginThrottleMiddleware``. A successful login clears the account-and-address counter
    and gives back the address counter's attempt (``signals.py``). Calls without a request
    (management commands, the shell) are not throttled.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        username = username or kwargs.get(get_user_model().USERNAME_FIELD) or ""
        address = throttle.client_address(request)
        by_address = throttle.hit(LOGIN_ADDRESS, address)
        if not by_address.allowed:
            request.login_throttled = by_address
            raise PermissionDenied
        by_account = throttle.hit(LOGIN_ACCOUNT_ADDRESS,
                                  account_address_subject(str(username), address))
        if not by_account.allowed:
            request.login_throttled = by_account
            raise PermissionDenied
        request.login_reservations = (by_address, by_account)
        return None
    # No get_user(): this backend never signs anyone in, so sessions never name it (and
    # Client.force_login, which picks the first backend with get_user, skips it).
