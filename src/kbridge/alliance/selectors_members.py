"""Reads for the alliance's members and directory, scoped to the requesting user.

The directory's free-text search is ranked by the matching engine from cached vectors
(``matching.selectors.rank``): the ``member`` document kind is registered from
``AllianceConfig.ready()`` (:func:`register_document_kind`), like evaluation's evaluators.
Pages never run the model: a member whose vector is not cached yet is ranked by keywords
and a task computes the vector.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import translation

from kbridge.accounts.models import Membership, Organisation
from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import agency_ids
from kbridge.alliance.models import AllianceMember, Sector
from kbridge.alliance.services.members import ACTING_ROLE
from kbridge.engine.matching import Document

Status = AllianceMember.Status
Kind = AllianceMember.Kind
Role = Membership.Role

#: Members per directory page.
PER_PAGE = 20
#: Most technologies offered in the directory's filter (the most used first).
TECHNOLOGY_OPTIONS = 200


def viewable_agency_ids(user) -> set[int]:
    """Agencies whose directory ``user`` reads: their own agencies (operators) and the
    alliances where one of their organisations is an active member."""
    if not getattr(user, "is_authenticated", False):
        return set()
    member_of = set(AllianceMember.objects.filter(
        organisation_id__in=organisation_ids(user), status=Status.ACTIVE)
        .values_list("agency_id", flat=True))
    return agency_ids(user) | member_of


def memberships_of(user) -> list[AllianceMember]:
    """Every membership row (any status) of the user's organisations, with agency and
    organisation; what the "my alliances" page lists."""
    return list(AllianceMember.objects.filter(organisation_id__in=organisation_ids(user))
                .select_related("agency", "organisation").order_by("agency__name_ko", "pk"))


@dataclass(frozen=True)
class Joinable:
    """An alliance an organisation the user acts for may join without an invitation."""

    agency: Organisation
    organisation: Organisation
    kind: str

    def get_kind_display(self) -> str:
        return str(dict(Kind.choices)[self.kind])


def joinable_for(user) -> list[Joinable]:
    """The (alliance, organisation, kind) triples the user may join for their organisations
    (:func:`kbridge.alliance.services.members.entitlement`), leaving out active and invited
    memberships. Four queries whatever the number of organisations."""
    from kbridge.programs.models import Partner
    from kbridge.selection.models import Agreement

    if not getattr(user, "is_authenticated", False):
        return []
    acting = {kind: organisation_ids(user, role) for kind, role in ACTING_ROLE.items()}
    pairs: dict[tuple[int, int], str] = {}
    for agency in acting[Organisation.Kind.OPERATOR]:
        pairs[(agency, agency)] = Kind.OPERATOR
    for agency, org in (Partner.objects.filter(organisation_id__in=acting[Organisation.Kind.PARTNER])
                        .values_list("program__operator_id", "organisation_id").distinct()):
        pairs[(agency, org)] = Kind.PARTNER
    for agency, org in (Agreement.objects.filter(
            status=Agreement.Status.ACCEPTED,
            outcome__application__applicant_id__in=acting[Organisation.Kind.STARTUP])
            .values_list("outcome__application__program__operator_id",
                         "outcome__application__applicant_id").distinct()):
        pairs[(agency, org)] = Kind.SELECTED
    if not pairs:
        return []
    taken = set(AllianceMember.objects.filter(
        organisation_id__in={o for _a, o in pairs}, status__in=[Status.ACTIVE, Status.INVITED])
        .values_list("agency_id", "organisation_id"))
    wanted = {p: k for p, k in pairs.items() if p not in taken}
    orgs = Organisation.objects.in_bulk({x for pair in wanted for x in pair})
    return sorted((Joinable(orgs[a], orgs[o], k) for (a, o), k in wanted.items()),
                  key=lambda j: (j.agency.name_ko, j.organisation.name_ko))


def directory_members(agency: Organisation, *, sector: str = "",
                      technology: str = "") -> QuerySet[AllianceMember]:
    """The listed, active members of ``agency``'s alliance, filtered by a sector code and a
    technology tag (case-insensitive, exact tag), by organisation name."""
    members = AllianceMember.objects.filter(agency=agency, status=Status.ACTIVE, listed=True)
    if sector:
        members = members.filter(facets__contains=f"|s:{sector}|")
    if technology:
        members = members.filter(facets__contains=f"|t:{technology.casefold()}|")
    return members.select_related("organisation").order_by("organisation__name_ko", "pk")


def technology_options(agency: Organisation) -> list[str]:
    """The technologies listed members of the alliance use: the :data:`TECHNOLOGY_OPTIONS`
    most used, in alphabetical order as a menu reads (Latin before Hangul; case-insensitive
    duplicates shown once; one query)."""
    counts: dict[str, tuple[int, str]] = {}
    for tags in AllianceMember.objects.filter(agency=agency, status=Status.ACTIVE,
                                              listed=True).values_list("technologies", flat=True):
        for tag in tags or []:
            key = tag.casefold()
            n, shown = counts.get(key, (0, tag))
            counts[key] = (n + 1, shown)
    most_used = sorted(counts.values(), key=lambda pair: (-pair[0], pair[1].casefold()))
    return sorted((shown for _n, shown in most_used[:TECHNOLOGY_OPTIONS]), key=str.casefold)


def members_for_operator(agency: Organisation) -> QuerySet[AllianceMember]:
    """Every membership row of the alliance (any status), for its operators."""
    return (AllianceMember.objects.filter(agency=agency)
            .select_related("organisation", "invited_by").order_by("status", "organisation__name_ko",
                                                                   "pk"))


def invitable_startups(agency: Organisation) -> QuerySet[Organisation]:
    """Startups the agency's operators may invite: those that registered for one of its
    events or applied to one of its programs, and are neither members nor invited."""
    taken = AllianceMember.objects.filter(agency=agency, status__in=[Status.ACTIVE,
                                                                     Status.INVITED])
    return (Organisation.objects.filter(kind=Organisation.Kind.STARTUP)
            .filter(Q(event_registrations__event__program__operator=agency)
                    | Q(applications__program__operator=agency))
            .exclude(pk__in=taken.values("organisation_id")).distinct().order_by("name_ko"))


# --- the "member" document kind of the matching engine -------------------------------------


def member_document(member: AllianceMember) -> Document:
    """What the directory search reads of a member: names and headlines (title), sectors in
    both languages and technologies (keywords), both descriptions (description)."""
    from kbridge.matching.documents import _join, bounded

    org = member.organisation
    sectors = []
    for language in ("ko", "en"):
        with translation.override(language):
            sectors += member.sector_labels()
    return bounded(Document(
        id=f"member:{member.pk}",
        title=_join(org.name_ko, org.name_en, member.headline_ko, member.headline_en),
        keywords=(*(member.technologies or []), *sectors),
        description=_join(member.description_ko, member.description_en)))


def members_by_pk(pks) -> dict[int, AllianceMember]:
    return AllianceMember.objects.select_related("organisation").in_bulk(list(pks))


def listed_member_pks() -> list[int]:
    """Every listed, active member (what a model switch re-embeds)."""
    return list(AllianceMember.objects.filter(status=Status.ACTIVE, listed=True)
                .order_by("pk").values_list("pk", flat=True))


def register_document_kind() -> None:
    """Register ``member:<pk>`` documents with matching's registry (from ``ready()``)."""
    from kbridge.matching import registry

    registry.register(registry.DocumentKind(
        prefix="member", fetch=members_by_pk,
        documents=lambda members: [member_document(m) for m in members],
        all_pks=listed_member_pks,
        watch=((AllianceMember, lambda m: [m.pk] if m.status == Status.ACTIVE and m.listed
                else []),)))


def _corpus(agency: Organisation, sector: str, technology: str):
    from kbridge.matching.selectors import kind_corpus

    members = directory_members(agency, sector=sector, technology=technology)
    tag = hashlib.sha256(f"{sector}|{technology.casefold()}".encode()).hexdigest()[:16]

    def stamp():
        return members.aggregate(n=Count("pk"), ids=Sum("pk"), at=Max("updated_at"),
                                 org=Max("organisation__updated_at"))

    return kind_corpus("member", lambda: list(members.values_list("pk", flat=True)),
                       key=f"alliance:{agency.pk}:{tag}", stamp=stamp)


def ranked_directory(agency: Organisation, text: str, *, sector: str = "",
                     technology: str = "", page: object = 1):
    """The directory's members (after the filters) ranked for the free text ``text`` (Korean
    or English), :data:`PER_PAGE` a page, from cached vectors only (``pending`` while some
    are being computed: ranked by keywords meanwhile). Returns matching's ``Ranked`` with
    ``page`` (a Django ``Page`` over the ranks)."""
    from kbridge.matching import selectors as matching
    from kbridge.matching.documents import query_document
    from kbridge.matching.store import cached_embedder

    corpus = _corpus(agency, sector, technology)
    total = len(matching.INDEXES.entry(corpus, matching.Matcher(cached_embedder(live=False)))
                .docs)
    shown = Paginator(range(total), PER_PAGE).get_page(page)
    ranked = matching.rank(corpus, "query", query_document(text), k=shown.end_index(),
                           offset=max(shown.start_index() - 1, 0), explain_k=5)
    return replace(ranked, page=shown)


def sector_choices() -> list[tuple[str, str]]:
    return list(Sector.choices)
