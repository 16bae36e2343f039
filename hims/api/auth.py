from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from hims.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer hims_...` issued by `hims api-token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(secret=token)
        if user is not None:
            request.user = user
        return user


# Pages calling the API from the browser use the session (with CSRF).
api_auth = [BearerToken(), SessionAuth()]
