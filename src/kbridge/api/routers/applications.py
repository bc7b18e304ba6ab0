"""The applications area of the API (scope ``applications``): built on the web's selectors, predicates and
services, so the API never shows or does more than the web would for the same person."""

from ninja import Router

from kbridge.api.auth import TokenAuth

router = Router(auth=TokenAuth("applications"), tags=["applications"])
