"""hims api-token create|list|revoke: bearer tokens for the API and FHIR facade."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hims.accounts.models import ApiToken, User
from hims.accounts.services import api_token_create, api_token_revoke
from hims.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create", help="create a token for a user; the secret is shown once"
        )
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="what the token is for")
        create.add_argument("--days", type=int, default=None, help="expire after this many days")
        listing = sub.add_parser("list", help="list tokens (never their secrets)")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = User.objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"no user named {options['username']!r}")
            if not user.is_active:
                raise CommandError("that user is switched off")
            if options["days"] is not None and options["days"] < 1:
                raise CommandError("--days must be at least 1")
            token, secret = api_token_create(user=user, name=options["name"], days=options["days"])
            self.stdout.write(f"prefix: {token.prefix}")
            self.stdout.write(f"token:  {secret}")
            self.stdout.write(
                "Store it now: it is not shown again. Send it as 'Authorization: Bearer <token>'."
            )
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by(
                "user__username", "created_at"
            )
            if options.get("username"):
                tokens = tokens.filter(user__username=options["username"])
            for token in tokens:
                state = (
                    "revoked" if token.revoked_at else ("active" if token.is_usable else "expired")
                )
                expires = f"{token.expires_at:%Y-%m-%d}" if token.expires_at else "never"
                last = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.prefix}  {token.user.username:<20} {token.name:<20} {state:<8} expires {expires}  last used {last}"
                )
        else:
            try:
                token = api_token_revoke(prefix=options["prefix"])
            except DomainError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"revoked {token.prefix} ({token.user.username})")
