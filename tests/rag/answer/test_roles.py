"""The role a sentence gives a person and the kind an organisation's name shows."""

from __future__ import annotations

import pytest

from rag.answer.roles import kind_conflicts, role_conflicts, stated_roles

LEE = (
    "According to Dr. Lee Sang-hyun, a defense analyst at the Korea Institute for Defense Analyses, "
    "it matters."
)
MINISTER = "Defense Minister Thabet al-Abbasi said the talks went well."


def span(sentence: str, name: str) -> tuple[int, int]:
    start = sentence.index(name)
    return start, start + len(name)


def test_roles_are_read_from_an_apposition_or_a_title() -> None:
    assert stated_roles(LEE, *span(LEE, "Lee Sang-hyun")) == ["analyst"]
    assert stated_roles(MINISTER, *span(MINISTER, "Thabet al-Abbasi")) == ["minister"]
    bills = "The defense was led by safety Jordan Poyer."
    assert stated_roles(bills, *span(bills, "Jordan Poyer")) == []  # "safety" is not a role word


@pytest.mark.parametrize(
    ("asked", "conflict"),
    [("minister", True), ("ceo", True), ("analyst", False), ("analysts", False), ("official", False)],
)
def test_a_specific_role_asked_for_conflicts_with_another_stated_role(asked: str, conflict: bool) -> None:
    assert role_conflicts(asked, LEE, *span(LEE, "Lee Sang-hyun")) is conflict


def test_an_organisations_name_shows_its_kind() -> None:
    assert kind_conflicts("company", "Korea Institute for Defense Analyses")
    assert not kind_conflicts("company", "Korea Aerospace Industries")
    assert kind_conflicts("agency", "Hanwha Aerospace Co.")
    assert not kind_conflicts("agency", "Defense Acquisition Program Administration")
    assert not kind_conflicts("group", "Korea Institute for Defense Analyses")
