from django.core.management.base import BaseCommand

from kbridge.portal import demo


class Command(BaseCommand):
    help = "Seed the demo program (idempotent: does nothing if it already exists)."

    def add_arguments(self, parser):
        parser.add_argument("--startups", type=int, default=120)
        parser.add_argument("--calls-only", action="store_true",
                            help="only the calls, startups, applications and matching vectors "
                                 "(no evaluation, selection, events or alliance)")

    def handle(self, *args, **options):
        if demo.demo_exists():
            self.stdout.write("The demo program already exists; nothing to do.")
            logins = demo.existing_logins()
        else:
            logins = demo.seed(startups=options["startups"], calls_only=options["calls_only"])
            self.stdout.write(self.style.SUCCESS("Demo program created."))
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):")
        for role, email in logins.items():
            self.stdout.write(f"  {role:30} {email}")
