"""Phonetic keys for Indian names, so Hindi and English spellings of a name meet.

रमेश कुमार, "Ramesh Kumar" and "Ramesh Kumaar" all key to "rmes kumr". The key is built in four
steps, the same for both scripts:

1. Devanagari is transliterated to plain Latin letters, consonants carrying the inherent "a"
   (रमेश -> "ramesha"); nukta forms fold to their base sounds (ज़ -> j, ड़ -> r).
2. Spelling variants fold together: long/short vowels (aa/a, ee/ii/i, oo/u), aspirates
   (bh/b, kh/k, th/t, ...), sh/s, ph/f, w/v, z/j, q/k, ngh/nh (Singh, सिंह), a final "a" dropped
   and then a final "ay" to "ai", m before b/p to n.
3. Doubled letters collapse (Pappu -> papu).
4. Every "a" that is not the word's first letter is dropped: Hindi drops the inherent vowel
   (schwa deletion) where English spelling may or may not write it (Kamla / कमला -> "kml").

It is deliberately forgiving: it is a blocking key for candidate search, not an identity.
Candidates are then scored on the full record (age, gender, mobile, ABHA).
"""

from __future__ import annotations

import re
import unicodedata

_VOWELS = {
    "अ": "a",
    "आ": "aa",
    "इ": "i",
    "ई": "ii",
    "उ": "u",
    "ऊ": "uu",
    "ऋ": "ri",
    "ए": "e",
    "ऐ": "ai",
    "ओ": "o",
    "औ": "au",
    "ऑ": "o",
    "ऍ": "e",
}
_MATRAS = {
    "ा": "aa",
    "ि": "i",
    "ी": "ii",
    "ु": "u",
    "ू": "uu",
    "ृ": "ri",
    "े": "e",
    "ै": "ai",
    "ो": "o",
    "ौ": "au",
    "ॉ": "o",
    "ॅ": "e",
}
_CONSONANTS = {
    "क": "k",
    "ख": "kh",
    "ग": "g",
    "घ": "gh",
    "ङ": "n",
    "च": "ch",
    "छ": "chh",
    "ज": "j",
    "झ": "jh",
    "ञ": "n",
    "ट": "t",
    "ठ": "th",
    "ड": "d",
    "ढ": "dh",
    "ण": "n",
    "त": "t",
    "थ": "th",
    "द": "d",
    "ध": "dh",
    "न": "n",
    "प": "p",
    "फ": "ph",
    "ब": "b",
    "भ": "bh",
    "म": "m",
    "य": "y",
    "र": "r",
    "ल": "l",
    "व": "v",
    "श": "sh",
    "ष": "sh",
    "स": "s",
    "ह": "h",
    "ळ": "l",
}
_NUKTA_FORMS = {"क़": "k", "ख़": "kh", "ग़": "g", "ज़": "j", "ड़": "r", "ढ़": "rh", "फ़": "f", "य़": "y"}
_VIRAMA = "्"
_ANUSVARA = {"ं": "n", "ँ": "n"}
_DROP = {"\u0903", "\u093c", "\u200c", "\u200d", "\u093d"}  # visarga, nukta, ZWNJ, ZWJ, avagraha

# Longest first, applied left to right in one pass.
_FOLDS = [
    ("ngh", "nh"),
    ("chh", "c"),
    ("shh", "s"),
    ("aa", "a"),
    ("ee", "i"),
    ("ii", "i"),
    ("oo", "u"),
    ("uu", "u"),
    ("ou", "o"),
    ("au", "o"),
    ("ey", "e"),
    ("kh", "k"),
    ("gh", "g"),
    ("ch", "c"),
    ("jh", "j"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("bh", "b"),
    ("sh", "s"),
    ("rh", "r"),
    ("ck", "k"),
    ("w", "v"),
    ("z", "j"),
    ("q", "k"),
    ("x", "ks"),
    ("y", "y"),
]
_FOLD_RE = re.compile("|".join(re.escape(source) for source, _ in _FOLDS))
_FOLD_MAP = dict(_FOLDS)


def devanagari_to_latin(text: str) -> str:
    """A plain, lossy transliteration: enough for phonetic keys, not for display."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    chars = list(text)
    index = 0
    while index < len(chars):
        char = chars[index]
        pair = char + chars[index + 1] if index + 1 < len(chars) else ""
        if pair in _NUKTA_FORMS:
            consonant, index = _NUKTA_FORMS[pair], index + 2
        elif char in _NUKTA_FORMS:
            consonant, index = _NUKTA_FORMS[char], index + 1
        elif char in _CONSONANTS:
            consonant, index = _CONSONANTS[char], index + 1
        else:
            if char in _VOWELS:
                out.append(_VOWELS[char])
            elif char in _ANUSVARA:
                out.append(_ANUSVARA[char])
            elif char in _MATRAS:
                out.append(_MATRAS[char])
            elif char not in _DROP and char != _VIRAMA:
                out.append(char)
            index += 1
            continue
        out.append(consonant)
        following = chars[index] if index < len(chars) else ""
        if following == _VIRAMA:
            index += 1
        elif following in _MATRAS:
            out.append(_MATRAS[following])
            index += 1
        elif following == "़":  # a nukta written separately
            index += 1
            out.append("a")
        else:
            out.append("a")
    return "".join(out)


def _word_key(word: str) -> str:
    word = _FOLD_RE.sub(lambda match: _FOLD_MAP[match.group(0)], word)
    word = re.sub(r"m(?=[bp])", "n", word)
    if len(word) > 2:
        word = re.sub(r"a$", "", word)  # the final inherent vowel, written or not
    word = re.sub(r"ay$", "ai", word)
    word = re.sub(r"(.)\1+", r"\1", word)
    if len(word) > 1:
        word = word[0] + word[1:].replace("a", "")
    return re.sub(r"(.)\1+", r"\1", word)


def name_words(text: str) -> list[str]:
    """Lower-case Latin words of a name in either script, honorifics and initials kept."""
    latin = devanagari_to_latin(text) if re.search(r"[\u0900-\u097F]", text or "") else (text or "")
    latin = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    return [word for word in re.split(r"[^a-z]+", latin.lower()) if word]


def name_key(text: str) -> str:
    """The phonetic key of a whole name: one key per word, space-separated, in order."""
    return " ".join(key for key in (_word_key(word) for word in name_words(text)) if key)


def name_key_words(text: str) -> list[str]:
    return [key for key in name_key(text).split(" ") if key]
