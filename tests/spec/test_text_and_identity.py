"""The text and person-id rules every file format shares (CONTRACTS section 2)."""

from __future__ import annotations

import pytest

from app.spec.types import (
    check_name,
    check_text,
    check_visible_name,
    person_id_problem,
    person_key,
    text_problem,
)


@pytest.mark.parametrize(
    "person", ["isabel", "Isabel", "i.sabel+ci@example.org", "a", "x" * 128, "bot_1-2"]
)
def test_person_ids_of_the_contract_form_are_accepted(person: str) -> None:
    assert person_id_problem(person) is None


@pytest.mark.parametrize(
    "person",
    [
        "",
        "isabel ",
        " isabel",
        "isabel\u200b",
        "\u0456sabel",  # Cyrillic i
        "isabel\n",
        "is abel",
        "-isabel",
        ".isabel",
        "x" * 129,
        "isa\x00bel",
        "\ud800",
    ],
)
def test_person_ids_in_any_other_form_are_refused_with_a_reason(person: str) -> None:
    problem = person_id_problem(person)
    assert problem is not None and "\n" not in problem


def test_person_ids_are_compared_without_case() -> None:
    assert person_key("ISABEL") == person_key("Isabel") == person_key("isabel")


@pytest.mark.parametrize("text", ["\x00", "a\ud800b", "\x1b[31m", "\x7f"])
def test_text_refuses_nul_surrogates_and_control_characters(text: str) -> None:
    with pytest.raises(ValueError, match="remove it"):
        check_text(text)


def test_text_keeps_tabs_and_line_breaks_but_names_do_not() -> None:
    assert check_text("one\ttwo\nthree\r\n") == "one\ttwo\nthree\r\n"
    for broken in ("one\ntwo", "one\u2028two", "one\x85two", "one\ttwo"):
        with pytest.raises(ValueError):
            check_name(broken)
    assert "line break" in (text_problem("a\u2029b", one_line=True) or "")


@pytest.mark.parametrize("name", ["", " ", "\u200b", "\u3000"])
def test_a_node_name_must_show_something(name: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        check_visible_name(name)


def test_names_may_hold_any_script_and_symbols() -> None:
    assert check_visible_name("Überprüfung 審査 \u202e$(id)") == "Überprüfung 審査 \u202e$(id)"
