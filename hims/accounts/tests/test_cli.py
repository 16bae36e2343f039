from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hims.accounts.models import ApiToken
from hims.accounts.services import api_token_authenticate


def _run(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_create_list_and_revoke_a_token(clerk):
    output = _run("create", "alice", "--name", "counter-pc", "--days", "30")
    secret = next(line.split()[-1] for line in output.splitlines() if line.startswith("token:"))
    assert api_token_authenticate(secret=secret) == clerk
    prefix = ApiToken.objects.get().prefix
    listing = _run("list")
    assert prefix in listing and "active" in listing and secret not in listing
    assert "revoked" in _run("revoke", prefix)
    assert api_token_authenticate(secret=secret) is None
    assert "revoked" in _run("list", "alice")


def test_create_for_an_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="no user"):
        _run("create", "nobody")
    assert not ApiToken.objects.exists()


def test_revoke_an_unknown_prefix_fails_clearly(db):
    with pytest.raises(CommandError):
        _run("revoke", "deadbeef")
