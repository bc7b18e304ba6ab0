from django.conf import settings


def kbridge(request):
    return {"KBRIDGE_DEBUG": settings.DEBUG}
