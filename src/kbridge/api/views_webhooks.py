"""The "Webhooks" pages for organisation managers (operator staff, partner admins, startup
representatives): subscriptions of the organisations they manage, the secret shown once, the
delivery log, a throttled test event, redelivery."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.api import selectors, webhook_events
from kbridge.api import services_webhooks as services
from kbridge.api.forms import WebhookForm
from kbridge.api.models import WebhookDelivery, WebhookSubscription
from kbridge.api.services import AlreadyMade
from kbridge.core import throttle
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm

DELIVERIES_PER_PAGE = 25


def _subscription(request, pk: int) -> WebhookSubscription:
    return get_object_or_404_for(request.user, "api.manage_webhook",
                                 selectors.subscriptions_visible_to(request.user), pk=pk)


def _events(subscription) -> list[str]:
    return [webhook_events.label(code) for code in subscription.event_types]


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@require_safe
@require_perm("api.manage_webhooks")
def webhook_list(request):
    rows = [{"subscription": s, "events": _events(s)}
            for s in selectors.subscriptions_visible_to(request.user)[:200]]
    return render(request, "api/webhooks.html", {"rows": rows})


@require_perm("api.manage_webhooks")
def webhook_create(request):
    form = WebhookForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            row, secret = services.create_subscription(
                by=request.user, organisation=form.cleaned_data["organisation"],
                name=form.cleaned_data["name"], url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                form_key=form.cleaned_data["form_key"])
        except AlreadyMade as made:
            messages.info(request, _(
                "This form was already sent: webhook “%(name)s” was made then and its secret "
                "shown once. Make a new secret on its page if you did not copy it.")
                % {"name": made.row.name})
            return redirect("api:webhook", made.row.pk)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return render(request, "api/webhook_secret.html",
                          {"subscription": row, "secret": secret, "created": True})
    return render(request, "api/webhook_form.html", {"form": form})


@require_perm("api.manage_webhooks")
def webhook_edit(request, pk: int):
    subscription = _subscription(request, pk)
    form = WebhookForm(request.POST or None, user=request.user, instance=subscription)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_subscription(subscription=subscription, by=request.user,
                                         **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("api:webhook", pk=subscription.pk)
    return render(request, "api/webhook_form.html", {"form": form, "subscription": subscription})


@require_safe
@require_perm("api.manage_webhooks")
def webhook_detail(request, pk: int):
    subscription = _subscription(request, pk)
    page = Paginator(selectors.deliveries_of(subscription), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page"))
    deliveries = [{"delivery": d, "event": webhook_events.label(d.event_type),
                   "attempts": list(d.attempt_log.all()),
                   "may_redeliver": d.status != WebhookDelivery.Status.PENDING and (
                       subscription.is_active or d.event_type == webhook_events.TEST_EVENT)}
                  for d in page.object_list]
    return render(request, "api/webhook_detail.html", {
        "subscription": subscription, "events": _events(subscription), "page": page,
        "maker_left": not services.maker_manages(subscription),
        "deliveries": deliveries})


_back = to("api:webhook", "pk")


def _set_active(request, pk: int, *, active: bool, message: str):
    subscription = _subscription(request, pk)
    services.set_active(subscription=subscription, by=request.user, active=active)
    messages.success(request, message)
    return redirect("api:webhook", pk=pk)


@require_login
@post_only(back=_back)
def webhook_disable(request, pk: int):
    return _set_active(request, pk, active=False,
                       message=_("Webhook disabled: nothing more is sent to it."))


@require_login
@post_only(back=_back)
def webhook_enable(request, pk: int):
    return _set_active(request, pk, active=True, message=_("Webhook enabled."))


@require_login
@post_only(back=_back)
def webhook_rotate(request, pk: int):
    subscription = _subscription(request, pk)
    row, secret = services.rotate_secret(subscription=subscription, by=request.user)
    return render(request, "api/webhook_secret.html",
                  {"subscription": row, "secret": secret, "created": False})


@require_login
@post_only(back=_back)
def webhook_test(request, pk: int):
    subscription = _subscription(request, pk)
    verdict = throttle.hit("webhook-test", str(subscription.pk))
    if not verdict.allowed:
        # Back to the page with the reason; the 429 status would stop the redirect.
        messages.error(request, verdict.message)
        return redirect("api:webhook", pk=pk)
    services.send_test_event(subscription=subscription, by=request.user)
    messages.success(request, _("Test event queued: it appears in the delivery log below."))
    return redirect("api:webhook", pk=pk)


@require_login
@post_only(back=_back)
def webhook_redeliver(request, pk: int, delivery_pk: int):
    subscription = _subscription(request, pk)
    delivery = get_object_or_404(selectors.deliveries_of(subscription), pk=delivery_pk)
    try:
        services.redeliver(delivery=delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Delivery queued again, with the same idempotency key."))
    return redirect("api:webhook", pk=pk)
