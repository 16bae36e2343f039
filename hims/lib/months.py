"""Month names, marked so our Hindi catalogue carries them: Django's own Hindi catalogue spells
some of them otherwise (दिसमबर for दिसंबर), and ours is read first (LOCALE_PATHS)."""

from django.utils.translation import gettext_noop

MONTHS = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
]
