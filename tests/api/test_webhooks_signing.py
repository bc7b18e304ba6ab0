"""Signatures (pure) and the SSRF guard of subscription URLs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kbridge.api import outbound, signing
from kbridge.api import services_webhooks as hooks

BODY = b'{"id":"whd_1","type":"application.submitted"}'


def test_a_signature_is_hmac_sha256_over_the_timestamp_and_the_body():
    import hashlib
    import hmac

    header = signing.sign("whsec_x", BODY, timestamp=1_700_000_000)
    expected = hmac.new(b"whsec_x", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signing.verify("whsec_x", header, BODY, now=1_700_000_100)


@pytest.mark.parametrize(("header", "now"), [
    ("", 1_700_000_000),
    ("t=abc,v1=00", 1_700_000_000),
    ("t=1700000000", 1_700_000_000),
    (None, 1_700_000_000 + signing.DEFAULT_TOLERANCE + 1),  # replayed too late
])
def test_a_bad_or_old_signature_is_refused(header, now):
    header = header if header is not None else signing.sign("whsec_x", BODY, 1_700_000_000)
    assert not signing.verify("whsec_x", header, BODY, now=now)


def test_any_of_several_v1_values_may_match_during_a_rotation():
    good = signing.sign("whsec_new", BODY, timestamp=10).split(",")[1]
    header = f"t=10,v1={'0' * 64},{good}"
    assert signing.verify("whsec_new", header, BODY, now=10)


def test_secrets_are_long_and_random():
    a, b = signing.new_secret(), signing.new_secret()
    assert a != b and a.startswith("whsec_") and len(a) > 40


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.7/hook",
    "http://192.168.1.10/hook", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
])
def test_private_and_local_addresses_are_refused_in_production(settings, url):
    settings.KBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(outbound.UnsafeURL):
        outbound.resolve(url)
    # And at send time too (the check runs before every request).
    response = outbound.post(url, b"{}", {})
    assert response.status is None and response.error.startswith("refused")


@pytest.mark.parametrize("url", [
    "ftp://example.com/hook", "https://user:pw@example.com/hook", "https:///hook",
    "javascript:alert(1)", "http://example.com:22/hook", "http://[not-an-ip/",
])
def test_malformed_urls_are_refused(settings, url):
    settings.KBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(outbound.UnsafeURL):
        outbound.resolve(url)


def test_a_public_address_passes(settings):
    settings.KBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    target = outbound.resolve("https://93.184.215.14/kbridge?x=1")
    assert (target.address, target.port, target.path) == ("93.184.215.14", 443, "/kbridge?x=1")


def test_the_setting_allows_a_local_receiver(settings):
    settings.KBRIDGE_WEBHOOK_ALLOW_PRIVATE = True
    assert outbound.resolve("http://127.0.0.1:9/hook").address == "127.0.0.1"


def test_a_subscription_to_a_private_address_is_refused_with_a_message(personas, settings):
    settings.KBRIDGE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as info:
        hooks.create_subscription(by=personas.operator, organisation=personas.operator_org,
                                  name="CRM", url="http://10.1.2.3/hook",
                                  event_types=["application.submitted"])
    assert "사설" in info.value.message_dict["url"][0]  # "private" in the default language


def test_only_managers_subscribe_their_own_organisation(personas):
    for user, org in [(personas.partner_a, personas.partner_a_org),
                      (personas.startup_a_member, personas.startup_a_org),
                      (personas.operator, personas.operator_b_org),
                      (personas.operator, personas.partner_a_org)]:
        with pytest.raises(ValidationError) as info:
            hooks.create_subscription(by=user, organisation=org, name="x",
                                      url="http://127.0.0.1:1/h",
                                      event_types=["application.submitted"])
        assert "organisation" in info.value.message_dict


def test_unknown_events_and_empty_names_are_refused(personas):
    with pytest.raises(ValidationError) as info:
        hooks.create_subscription(by=personas.operator, organisation=personas.operator_org,
                                  name=" ", url="http://127.0.0.1:1/h", event_types=["nope"])
    assert set(info.value.message_dict) == {"name", "event_types"}
