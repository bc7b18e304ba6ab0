from django.core.management.base import BaseCommand, CommandError

from kbridge.accounts import services
from kbridge.accounts.models import User


class Command(BaseCommand):
    help = ("Lift the sign-in limits of one account at every client address (for support "
            "calls; a password reset by the owner does the same). Audited.")

    def add_arguments(self, parser):
        parser.add_argument("email", help="the account's e-mail address")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account has the e-mail address {email!r}.")
        removed = services.lift_login_limits(user=user, reason="operator")
        self.stdout.write(f"Lifted the sign-in limits of {user.email} ({removed} counters).")
