"""Alliance members (issue 16, part 1): the network (연맹) an agency keeps after selection.

An alliance is one agency's (the program operator organisation's, e.g. KISED): there is no
row for the alliance itself, its members name it in ``agency``. Members are organisations:

* **selected** startups join when the representative accepts their agreement (협약) in one of
  the agency's programs (``selection.signals.agreement_accepted``);
* **invited** startups (an event attendee, an applicant) join when an operator of the agency
  invites them and their representative accepts;
* **partners**, the companies of the agency's programs (``programs.Partner``), and the agency
  itself (its **operators**) join with one click of their admin.

Being a member and being *listed* are two decisions: a member appears in the directory only
once it opts in (``listed``, off by default). A member can leave; a member that left (or
declined an invitation) can join again while it is still entitled to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kbridge.core.models import TimeStampedModel

#: Longest headline (one line) and description of a member's profile, in characters.
HEADLINE_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 4000
#: Most technologies (tags) on one profile, and characters per tag.
MAX_TECHNOLOGIES = 20
MAX_TECHNOLOGY_CHARS = 40


class Sector(models.TextChoices):
    """The sectors a member chooses from (a fixed list: the directory filters by them)."""

    AI = "ai", _("Artificial intelligence")
    SEMICONDUCTORS = "semiconductors", _("Semiconductors")
    CLOUD = "cloud", _("Cloud and software infrastructure")
    MOBILITY = "mobility", _("Mobility")
    ROBOTICS = "robotics", _("Robotics")
    HEALTH = "health", _("Health and biotech")
    FINTECH = "fintech", _("Fintech")
    CLIMATE = "climate", _("Climate and energy")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    COMMERCE = "commerce", _("Commerce and retail")
    CONTENT = "content", _("Content and media")
    SECURITY = "security", _("Security")
    EDUCATION = "education", _("Education")
    AGRIFOOD = "agrifood", _("Agriculture and food")
    OTHER = "other", _("Other")


class AllianceMember(TimeStampedModel):
    """One organisation's membership of one agency's alliance, and its directory profile.

    ``status``: invited (an operator invited a startup; it has not answered) → active, or
    declined; active → left. ``facets`` is the lower-cased ``|s:<sector>|t:<tag>|`` index the
    directory filters on (written by the services from ``sectors`` and ``technologies``).
    """

    class Kind(models.TextChoices):
        SELECTED = "selected", _("Selected startup")
        INVITED = "invited", _("Invited startup")
        PARTNER = "partner", _("Partner")
        OPERATOR = "operator", _("Operating agency")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invitation pending")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Invitation declined")
        LEFT = "left", _("Left")

    agency = models.ForeignKey("accounts.Organisation", verbose_name=_("alliance"),
                               on_delete=models.CASCADE, related_name="alliance_members",
                               limit_choices_to={"kind": "operator"})
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"),
                                     on_delete=models.CASCADE,
                                     related_name="alliance_memberships")
    kind = models.CharField(_("member type"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    listed = models.BooleanField(
        _("listed in the directory"), default=False,
        help_text=_("Other members of the alliance find your organisation in its directory."))
    headline_ko = models.CharField(_("headline (Korean)"), max_length=HEADLINE_MAX_CHARS,
                                   blank=True)
    headline_en = models.CharField(_("headline (English)"), max_length=HEADLINE_MAX_CHARS,
                                   blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True,
                                      max_length=DESCRIPTION_MAX_CHARS)
    description_en = models.TextField(_("description (English)"), blank=True,
                                      max_length=DESCRIPTION_MAX_CHARS)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    technologies = models.JSONField(_("technologies"), default=list, blank=True)
    facets = models.TextField(default="", blank=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("alliance member")
        verbose_name_plural = _("alliance members")
        ordering = ["agency_id", "organisation__name_ko", "id"]
        constraints = [models.UniqueConstraint(fields=["agency", "organisation"],
                                               name="one_membership_per_alliance")]
        indexes = [models.Index(fields=["agency", "status", "listed"])]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.agency}"

    @property
    def audit_tenant_id(self) -> int:
        """The agency whose staff read this row's audit log: the alliance's."""
        return self.agency_id

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def sector_labels(self) -> list[str]:
        """The sectors' labels in the page's language, in the list's order."""
        labels = dict(Sector.choices)
        return [str(labels[s]) for s in self.sectors if s in labels]


def facets_of(sectors, technologies) -> str:
    """The ``facets`` index of a profile: ``|s:ai|t:npu|t:반도체|`` (lower-cased)."""
    parts = [f"s:{s}" for s in sectors] + [f"t:{t.casefold()}" for t in technologies]
    return "|" + "|".join(parts) + "|" if parts else ""
