from __future__ import annotations

import pytest

from hims.lib.phonetic import name_key
from hims.patients.matching import key_matches, name_keys_like, word_matches
from hims.patients.tests.factories import make_patient


@pytest.mark.parametrize(
    ("query", "word", "expected"),
    [
        ("rmes", "rmes", True),
        ("rmes", "rmesw", True),
        ("rm", "rmes", True),
        ("rmes", "sures", False),
        ("kumr", "kumri", True),
        ("sunit", "anit", False),
        ("prinsipl", "prinsipal", True),
    ],
)
def test_word_matching(query, word, expected):
    assert word_matches(query, word) is expected


def test_every_query_word_must_match():
    assert key_matches(name_key("Ramesh Kumaar"), name_key("Ramesh Kumar"))
    assert not key_matches(name_key("Ramesh Kumar"), name_key("Suresh Kumar"))
    assert key_matches(name_key("Kumar"), name_key("Suresh Kumar"))


def test_similar_keys_are_found_in_the_distinct_key_table(db):
    for name in ("Ramesh Kumar", "Suresh Kumar", "Rameshwar Prasad", "Sunita Devi"):
        make_patient(name=name, mobile="")
    found = name_keys_like(key=name_key("Rmesh Kumaar"))
    assert name_key("Ramesh Kumar") in found
    assert name_key("Suresh Kumar") not in found
    assert name_keys_like(key="") == []
