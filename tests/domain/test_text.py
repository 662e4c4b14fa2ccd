from bot.domain.text import best_matches, fold, match_score


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
