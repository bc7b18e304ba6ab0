from django.conf import settings

from kbridge.core.language import switch_target


def kbridge(request):
    return {"KBRIDGE_DEBUG": settings.DEBUG, "language_next": lambda: switch_target(request)}
