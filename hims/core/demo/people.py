"""Demo people: the Person value, seeded name draws and a draw-until-unused helper."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hims.core.demo.names import NAME_GROUPS, NameGroup, Pair
from hims.network.choices import Gender

SEED = 2026  # every demo stream starts from random.Random(SEED): same code, same network


@dataclass(frozen=True)
class Person:
    first: Pair
    last: Pair
    gender: Gender

    @property
    def name(self) -> Pair:
        return (f"{self.first[0]} {self.last[0]}", f"{self.first[1]} {self.last[1]}")


def name_group_draw(rng: random.Random) -> NameGroup:
    return rng.choices(NAME_GROUPS, weights=[group.weight for group in NAME_GROUPS])[0]


def person_draw(
    rng: random.Random,
    *,
    female: bool,
    group: NameGroup | None = None,
    surname_index: int | None = None,
    adult: bool = True,
    avoid: Iterable[str] = (),
) -> Person:
    group = group or name_group_draw(rng)
    firsts = [pair for pair in (group.female if female else group.male) if pair[0] not in avoid]
    surname = group.surnames[
        surname_index if surname_index is not None else rng.randrange(len(group.surnames))
    ]
    return Person(
        first=rng.choice(firsts),
        last=surname.for_person(female=female, adult=adult),
        gender=Gender.FEMALE if female else Gender.MALE,
    )


def unique_draw(used: set[str], make: Callable[[], str]) -> str:
    """Call `make` until it gives a value not in `used`; record and return that value."""
    while True:
        value = make()
        if value not in used:
            used.add(value)
            return value
