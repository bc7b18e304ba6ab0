from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from kbridge.applications.uploads import (
    count_files_or_reject,
    keep_raw_names,
    reject_oversized_request,
)

#: URL name of an upload view → where a refused upload goes back to (a function of the URL's
#: kwargs returning a path). Apps above add theirs from ``ready()`` with
#: :func:`guard_uploads_of`.
GUARDED_UPLOADS = {
    "applications:upload": lambda kwargs: reverse("applications:edit", kwargs={"pk": kwargs["pk"]}),
}


def guard_uploads_of(view_name: str, back) -> None:
    """Put the upload view ``view_name`` behind the guard below; ``back(kwargs)`` is the page
    a refused upload returns to, with the message."""
    GUARDED_UPLOADS[view_name] = back


class UploadSizeGuardMiddleware:
    """Refuse an upload whose declared size is already too large, before its body is read.

    It sits before the CSRF middleware, which would otherwise parse the multipart body.
    Files just over the limit are caught while streaming (SizeLimitUploadHandler) and by the
    PDF check; this guard spares the server from reading hundreds of megabytes first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.view_name in GUARDED_UPLOADS:
                response = self._guard(request, match)
                if response is not None:
                    return response
        return self.get_response(request)

    def _guard(self, request, match):
        # Keep the file names as sent; parsing is otherwise Django's own.
        keep_raw_names(request)
        rejection = reject_oversized_request(request,
                                             max_bytes=settings.KBRIDGE_UPLOAD_MAX_BYTES)
        # The CSRF middleware parses the body next; more files than Django accepts would end
        # there in a bare 400, so they are counted (and refused) here first.
        if rejection is None:
            rejection = count_files_or_reject(request)
        if rejection is None:
            return None
        messages.error(request, rejection.message)
        response = redirect(GUARDED_UPLOADS[match.view_name](match.kwargs))
        if rejection.code == "too_large":
            # The unread body must not be taken for the next request on this connection.
            response["Connection"] = "close"
        return response
