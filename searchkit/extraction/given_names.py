"""Given names, to tell a person the model called an organisation ("Fabien Pelous").

The list is gender-guesser's (Jörg Michael's nam_dict: about 40,000 first names from
Europe, the Americas, Asia and Africa): the small model tags many foreign names ORG, and a
first name it knows is the strongest evidence a name is a person's.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _detector():
    import gender_guesser.detector as gender

    return gender.Detector(case_sensitive=False)


@lru_cache(maxsize=20_000)
def is_given_name(word: str) -> bool:
    """True when `word` is a first name in the list ("Fabien", "Bernie", "Olena")."""
    return word[:1].isupper() and word.isalpha() and _detector().get_gender(word) != "unknown"


@lru_cache(maxsize=20_000)
def gives_gender(word: str) -> bool:
    """A first name the list gives a gender, even mostly ("Lloyd", "Olena"); not one it
    calls either ("Red", "Kim"), which is as often a word or a surname."""
    return is_given_name(word) and _detector().get_gender(word) != "andy"
