"""Message texts, one per template, translated by gettext into the recipient's language."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

TEMPLATES = {
    # Translators: SMS with a sign-in code. Keep under 160 characters.
    "otp": _(
        "HIMS Delhi: your sign-in code is %(code)s. It expires in %(minutes)s minutes. Do not share it with anyone."
    ),
}


def message_render(*, template: str, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return str(TEMPLATES[template]) % context
