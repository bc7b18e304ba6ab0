"""Store every business registration number in its canonical form ``###-##-#####``.

Numbers typed in full-width digits (``５５６-８６-８１５２９``) or without hyphens were stored as
typed; search and exports compare the canonical form. Rows that are not a valid number are
left as they are (apart from NFKC), so nothing anyone entered is lost.
"""

from django.db import migrations


def canonicalise(apps, schema_editor):
    from kbridge.applications.eligibility import canonical_brn

    StartupProfile = apps.get_model("applications", "StartupProfile")
    for profile in StartupProfile.objects.exclude(business_registration_number="").only(
            "pk", "business_registration_number").iterator():
        canonical = canonical_brn(profile.business_registration_number)[:12]
        if canonical != profile.business_registration_number:
            StartupProfile.objects.filter(pk=profile.pk).update(
                business_registration_number=canonical)


class Migration(migrations.Migration):

    dependencies = [("applications", "0002_plausible_bounds")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
