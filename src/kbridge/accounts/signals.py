from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from kbridge.core import throttle


@receiver(user_logged_in)
def lift_login_reservations(sender, request=None, user=None, **kwargs):
    """A successful login clears its account-and-address counter and refunds the address one."""
    reservations = getattr(request, "login_reservations", None) if request is not None else None
    if reservations is None:
        return
    by_address, by_account = reservations
    throttle.refund(by_address)
    throttle.forget(by_account)
    request.login_reservations = None
