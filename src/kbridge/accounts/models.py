from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.i18n import localized_text
from kbridge.core.models import TimeStampedModel
from kbridge.core.text import validate_single_line


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("e-mail is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address; what they may do comes from memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=120,
                                 validators=[validate_single_line])
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=[("ko", "한국어"), ("en", "English")],
        default="ko",
    )
    email_verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the person deleted their account: the row stays (submissions and the audit log
    # point at it) but holds no personal data any more (accounts.services.delete_account).
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return str(_("deleted user"))
        return self.full_name or self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        OPERATOR = "operator", _("Agency / operator")
        PARTNER = "partner", _("Global partner")
        STARTUP = "startup", _("Startup")
        AFFILIATION = "affiliation", _("Evaluator affiliation")

    class AffiliationType(models.TextChoices):
        NONE = "", _("—")
        UNIVERSITY = "university", _("University")
        VC = "vc", _("Venture capital")
        ACCELERATOR = "accelerator", _("Accelerator")
        COMPANY = "company", _("Company")
        RESEARCH = "research", _("Research institute")
        PUBLIC = "public", _("Public body")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    # Single-line everywhere (forms and services' full_clean): names go into mail
    # subjects, where a line break would break the header.
    name_ko = models.CharField(_("name (Korean)"), max_length=200,
                               validators=[validate_single_line])
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True,
                               validators=[validate_single_line])
    affiliation_type = models.CharField(
        _("affiliation type"), max_length=20, choices=AffiliationType.choices, blank=True
    )
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    sector = models.CharField(_("sector"), max_length=80, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    # Tenancy (docs/decisions.md, "Tenancy model"): a global partner's organisation record is
    # managed by the agency that added it to its programs. Staff of that agency invite and manage
    # its people; another agency working with the same company keeps a record of its own, so no
    # agency can make its staff members of a company that takes part in another agency's program.
    agency = models.ForeignKey(
        "self", verbose_name=_("managing agency"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="managed_partners",
        limit_choices_to={"kind": "operator"},
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_ko"]

    def __str__(self) -> str:
        return localized_text(self, "name")

    @property
    def audit_tenant_id(self) -> int | None:
        """The agency whose staff may read this organisation's audit rows (None: nobody's)."""
        if self.kind == self.Kind.OPERATOR:
            return self.pk
        if self.kind == self.Kind.PARTNER:
            return self.agency_id
        return None


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        OPERATOR = "operator", _("Operator")
        PARTNER = "partner", _("Partner staff")
        PARTNER_ADMIN = "partner_admin", _("Partner admin")
        EVALUATOR = "evaluator", _("Evaluator")
        STARTUP_REPRESENTATIVE = "startup_rep", _("Startup representative")
        STARTUP_MEMBER = "startup_member", _("Startup member")

    # Which roles make sense in which kind of organisation.
    ROLES_BY_KIND = {
        Organisation.Kind.OPERATOR: {Role.OPERATOR},
        Organisation.Kind.PARTNER: {Role.PARTNER, Role.PARTNER_ADMIN},
        Organisation.Kind.STARTUP: {Role.STARTUP_REPRESENTATIVE, Role.STARTUP_MEMBER},
        Organisation.Kind.AFFILIATION: {Role.EVALUATOR},
    }

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, db_index=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.organisation.audit_tenant_id


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True,
                           expires_at__gt=timezone.now())


class Invitation(TimeStampedModel):
    """An invitation to join an organisation; the link carries a one-time secret.

    Who may invite whom is the tenancy model (``accounts.tenancy``): agency staff invite their
    colleagues and the staff of the partner organisations their agency manages, partner admins
    their colleagues, startup representatives their members.

    Only the SHA-256 of the secret is stored, so a database leak does not leak usable links.
    """

    email = models.EmailField(_("e-mail address"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def audit_tenant_id(self) -> int | None:
        return self.organisation.audit_tenant_id

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @classmethod
    def find(cls, token: str) -> Invitation | None:
        return cls.objects.pending().select_related("organisation").filter(
            token_hash=_hash_token(token)
        ).first()



class Consent(models.Model):
    """One person's consent to one versioned notice (``accounts.consent.CONSENT_TEXTS``).

    Rows are evidence and are never edited: the version names the exact text the person saw,
    ``given_at`` is stored in UTC. They stay when the account is deleted (the user row is
    anonymised, not removed), so the agency can still show what was agreed and when.
    """

    class Purpose(models.TextChoices):
        PRIVACY = "privacy", _("Collection and use of personal data (required)")

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    text_version = models.CharField(_("notice version"), max_length=40)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    ip_address = models.CharField(_("IP address"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.purpose} · {self.text_version}"
