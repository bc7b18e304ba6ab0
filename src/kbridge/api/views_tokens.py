"""The "API tokens" page: every signed-in person lists, makes and revokes their tokens;
organisation managers also see and revoke their organisations' tokens."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kbridge.api import selectors, services
from kbridge.api.forms import AREA_LABELS, TokenForm
from kbridge.core.permissions import require_perm


def _scopes(token) -> list[str]:
    levels = {"read": _("read"), "write": _("read and change")}
    return [f"{AREA_LABELS.get(area, area)}: {levels.get(level, level)}"
            for area, level in sorted(token.scopes.items())]


def _rows(user) -> list[dict]:
    return [{"token": token, "scopes": _scopes(token), "own": token.user_id == user.pk}
            for token in selectors.tokens_visible_to(user)[:200]]


@require_perm("api.use_tokens")
def token_list(request):
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            row, token = services.create_token(
                user=request.user, name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"], expires_at=form.expires_at(),
                organisation=form.cleaned_data["organisation"],
                form_key=form.cleaned_data["form_key"])
        except services.AlreadyMade as made:
            messages.info(request, _(
                "This form was already sent: token “%(name)s” was made then and its text "
                "shown once. If you did not copy it, revoke it and make another.")
                % {"name": made.row.name})
            return redirect("api:tokens")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = {"expires_at": "expires_on", "scopes": None}.get(field, field)
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        else:
            # Shown once, on this answer to the POST: never in a URL, the session or a log.
            return render(request, "api/token_created.html",
                          {"row": row, "token": token, "scopes": _scopes(row)})
    return render(request, "api/tokens.html", {"form": form, "rows": _rows(request.user)})


@require_perm("api.use_tokens")
def token_revoke(request, pk: int):
    """GET asks to confirm; POST revokes (the maker, or a manager of its organisation)."""
    token = get_object_or_404(selectors.tokens_visible_to(request.user), pk=pk)
    if not request.user.has_perm("api.revoke_token", token):
        raise Http404
    if token.revoked_at is not None:  # a stale tab or a second click: nothing left to do
        messages.info(request, _("Token “%(name)s” is already revoked.") % {"name": token.name})
        return redirect("api:tokens")
    if request.method == "POST":
        services.revoke_token(token=token, actor=request.user)
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.")
                         % {"name": token.name})
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token, "scopes": _scopes(token)})
