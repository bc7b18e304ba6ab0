from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from kbridge.accounts.models import LoginFailure


@receiver(user_login_failed)
def remember_login_failure(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("username") or credentials.get("email") or "").lower()[:254]
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    LoginFailure.objects.create(email=email, ip=ip)
