from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hims.lib.phonetic import devanagari_to_latin, name_key

SAME_NAME = [
    ("रमेश कुमार", "Ramesh Kumar"),
    ("रमेश कुमार", "Ramesh Kumaar"),
    ("रमेश कुमार", "RAMESH  kumar"),
    ("सुनीता देवी", "Sunita Devi"),
    ("सुनीता देवी", "Suneeta Devee"),
    ("कमला", "Kamla"),
    ("कमला", "Kamala"),
    ("संजय सिंह", "Sanjay Singh"),
    ("संजय सिंह", "Sanjai Sinh"),
    ("विजय", "Vijay"),
    ("विजय", "Wijay"),
    ("कृष्णा", "Krishna"),
    ("राकेश शर्मा", "Rakesh Sharma"),
    ("पूजा", "Puja"),
    ("पूजा", "Pooja"),
    ("मोहम्मद फ़ारूक़", "Mohammad Farooq"),
    ("अंबिका", "Ambika"),
    ("लक्ष्मी", "Laxmi"),
    ("प्रीति", "Preeti"),
    ("गुप्ता", "Gupta"),
]
DIFFERENT = [
    ("Ramesh Kumar", "Suresh Kumar"),
    ("Sunita", "Anita"),
    ("Rakesh", "Mukesh"),
    ("Pooja", "Priya"),
]


@pytest.mark.parametrize(("hindi", "english"), SAME_NAME)
def test_hindi_and_english_spellings_of_a_name_share_a_key(hindi, english):
    assert name_key(hindi) == name_key(english)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_keep_different_keys(one, other):
    assert name_key(one) != name_key(other)


def test_transliteration_keeps_the_inherent_vowel_until_the_key_drops_it():
    assert devanagari_to_latin("रमेश") == "ramesha"
    assert devanagari_to_latin("कुमार") == "kumaara"


def test_key_of_an_empty_or_symbol_only_name_is_empty():
    assert name_key("") == ""
    assert name_key("--- 123 ...") == ""


@given(st.text(max_size=40))
def test_any_text_gives_a_lowercase_ascii_key_without_crashing(text):
    key = name_key(text)
    assert key == key.strip() and key.isascii() and key == key.lower()


@given(st.from_regex(r"[A-Za-z]{1,12}( [A-Za-z]{1,12}){0,2}", fullmatch=True))
def test_key_ignores_case_and_extra_spaces(name):
    assert name_key(name) == name_key("  " + name.upper().replace(" ", "   ") + " ")
