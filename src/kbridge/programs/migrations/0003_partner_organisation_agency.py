"""Give each partner organisation the agency that manages it (tenancy model).

A partner company's record is managed by the agency of the earliest program it takes part in.
Records that already take part in programs of several agencies keep that first agency; the
other agencies' staff no longer manage its people (docs/decisions.md, "Tenancy model").
"""

from django.db import migrations


def set_agency(apps, schema_editor):
    Organisation = apps.get_model("accounts", "Organisation")
    Partner = apps.get_model("programs", "Partner")
    for org in Organisation.objects.filter(kind="partner", agency__isnull=True):
        first = (Partner.objects.filter(organisation=org).select_related("program")
                 .order_by("program__year", "pk").first())
        if first is not None:
            org.agency_id = first.program.operator_id
            org.save(update_fields=["agency"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_partner_admin_and_agency"),
        ("programs", "0002_track_ordering"),
    ]

    operations = [migrations.RunPython(set_agency, migrations.RunPython.noop)]
