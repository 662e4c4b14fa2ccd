import pytest

from bot.domain.text import TextIndex, Tier, best_matches, fold, match_score


def test_fold_strips_accents_and_case() -> None:
    assert fold("Plénière d'OUVERTURE") == "pleniere d'ouverture"


def test_typos_and_missing_accents_still_match() -> None:
    assert match_score("atelier coleurs", "Atelier couleurs") > 0.8
    assert match_score("pleniere", "Plénière d'ouverture") == 1.0
    assert match_score("closing plenary", "Plénière de clôture") == 1.0


def test_unrelated_titles_do_not_match() -> None:
    assert match_score("atelier couleurs", "Atelier vélo") == 0.0
    assert match_score("kayak", "Chorale") < 0.6


def test_best_matches_keeps_the_best_and_its_close_neighbours() -> None:
    titles = ["Atelier couleurs", "Atelier vélo", "Couleurs du Sud", "Chorale"]
    found = [t for _, t in best_matches("couleurs", titles, key=titles)]
    assert found == ["Atelier couleurs", "Couleurs du Sud"]


TITLES = [
    "Atelier couleurs",
    "Couleurs du Sud",
    "Comptabilité pour les nuls : le bilan sans douleur",
    "Plénière d'ouverture",
    "Chorale",
    "Yoga",
]
DETAILS = [
    "workshop Salle Brassens peinture et pigments",
    "evening Plage concert",
    "workshop Salle Vilar chiffres",
    "plenary Chapiteau accueil",
    "workshop Chapiteau chant à quatre voix",
    "workshop Plage étirements au lever du soleil",
]


def found(query: str) -> list[tuple[Tier, str]]:
    index = TextIndex(TITLES, TITLES, DETAILS)
    return [(m.tier, m.item) for m in index.search(query)]


def test_an_exact_title_comes_before_titles_that_contain_its_words() -> None:
    assert found("couleurs du sud") == [
        (Tier.EXACT, "Couleurs du Sud"),
    ]
    # "atelier" is filler: "couleurs" names "Atelier couleurs" exactly
    assert found("couleurs") == [
        (Tier.EXACT, "Atelier couleurs"),
        (Tier.TITLE, "Couleurs du Sud"),
    ]
    assert found("atelier couleurs") == [
        (Tier.EXACT, "Atelier couleurs"),
        (Tier.TITLE, "Couleurs du Sud"),
    ]


def test_a_word_hit_hides_its_fuzzy_neighbours() -> None:
    # "couleurs" looks like "douleur", but two titles say "couleurs" itself
    assert "Comptabilité pour les nuls : le bilan sans douleur" not in [
        item for _, item in found("couleurs")
    ]


def test_details_are_read_only_when_no_title_has_the_words() -> None:
    assert found("pigments") == [(Tier.DETAILS, "Atelier couleurs")]
    assert found("plage") == [(Tier.DETAILS, "Couleurs du Sud"), (Tier.DETAILS, "Yoga")]


def test_typos_are_the_last_resort_best_first() -> None:
    assert found("chorael") == [(Tier.TYPO, "Chorale")]
    assert 0.75 <= found_score("chorael") < 1
    assert found("pleniere") == [(Tier.TITLE, "Plénière d'ouverture")]
    assert found("opening") == [(Tier.TITLE, "Plénière d'ouverture")]  # a synonym
    assert found("zzzz qqqq") == []
    assert found("") == []


def found_score(query: str) -> float:
    return TextIndex(TITLES, TITLES, DETAILS).search(query)[0].score


def test_prefixes_count_as_title_words() -> None:
    assert found("compta") == [(Tier.TITLE, "Comptabilité pour les nuls : le bilan sans douleur")]


def test_the_index_needs_one_title_per_item() -> None:
    with pytest.raises(ValueError, match="one title"):
        TextIndex([1, 2], ["only one"])
