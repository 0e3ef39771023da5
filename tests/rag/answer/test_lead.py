"""The direct answer: the span of the expected type, its support across sources, and disagreement."""

from __future__ import annotations

from rag.answer.lead import build_lead, find_values
from rag.question.analysis import analyze
from tests.rag.answer.test_extractive import scored, source


def test_the_lead_states_the_place_and_cites_its_sentence() -> None:
    a = source(
        1, "OSINTSights", "The talks took place during the IQDEX 2025 defense exhibition held in Baghdad."
    )
    b = source(2, "Reuters", "Officials from Seoul said the exhibition drew many visitors.")
    lead = build_lead(analyze("Where was IQDEX 2025 held?"), [scored(a, 0.7, 0), scored(b, 0.4, 1)], [a, b])
    assert lead is not None and lead.kind == "value"
    assert lead.render(lambda item: item.n) == "Baghdad [1]."


def test_a_value_the_question_names_is_never_the_answer() -> None:
    a = source(1, "OSINTSights", "Iraq is weighing offers from South Korea and Turkey, said Lee Sang-hyun.")
    lead = build_lead(
        analyze("Which analyst commented on South Korea's offer to Iraq?"), [scored(a, 0.6, 0)], [a]
    )
    assert lead is not None
    assert lead.values[0].text == "Lee Sang-hyun"
    assert all(v.text not in {"South Korea", "Iraq"} for v in lead.values)


def test_support_across_sources_wins_and_a_surname_joins_the_full_name() -> None:
    a = source(1, "TechCrunch", "Sam Bankman-Fried was compared to Warren Buffett by investors.")
    b = source(2, "The Verge", "Bankman-Fried told the jury he had made mistakes, Caroline Ellison said.")
    c = source(3, "Fortune", "Prosecutors said Bankman-Fried used a front to access customer funds.")
    ranked = [scored(a, 0.5, 0), scored(b, 0.5, 1), scored(c, 0.5, 2)]
    values = find_values(
        analyze("Who is the individual compared to Warren Buffett and tried for fraud?"), ranked, [a, b, c]
    )
    assert values[0].text == "Sam Bankman-Fried"
    assert set(values[0].support) == {1, 2, 3}


def test_sources_that_give_different_amounts_are_both_cited() -> None:
    a = source(1, "Reuters", "The contract price was $92.7 million, the ministry said.")
    b = source(2, "Bloomberg", "The deal carries a price of $93.7 million according to filings.")
    lead = build_lead(
        analyze("What was the price of the deal?"), [scored(a, 0.6, 0), scored(b, 0.58, 1)], [a, b]
    )
    assert lead is not None and lead.kind == "differ"
    text = lead.render(lambda item: item.n)
    assert text.startswith("Sources differ:") and "[1]" in text and "[2]" in text
    assert "92.7" in text and "93.7" in text


def test_one_amount_written_twice_is_not_a_disagreement() -> None:
    a = source(1, "Reuters", "The contract price was $92.7 million, the ministry said.")
    b = source(2, "Bloomberg", "Filings put the price at $92.7 million for the helicopters.")
    lead = build_lead(
        analyze("What was the price of the deal?"), [scored(a, 0.6, 0), scored(b, 0.58, 1)], [a, b]
    )
    assert lead is not None and lead.kind == "value" and "92.7" in lead.render(lambda item: item.n)


def test_no_lead_without_a_span_of_the_expected_type() -> None:
    a = source(1, "OSINTSights", "The talks covered helicopters, fighter jets and air defense systems.")
    assert (
        build_lead(analyze("What was the contract price of the helicopters?"), [scored(a, 0.6, 0)], [a])
        is None
    )


def test_a_list_question_leads_with_the_things_the_sentence_lists() -> None:
    a = source(
        1,
        "OSINTSights",
        "With discussions underway to supply military equipment ranging from helicopters to fighter jets "
        "and air defense systems, South Korea is positioning itself as a key player in the region.",
    )
    b = source(2, "Reuters", "Talks took place during IQDEX 2025 in Baghdad, where officials met.")
    lead = build_lead(
        analyze("Which systems were discussed at IQDEX?"), [scored(a, 0.6, 0), scored(b, 0.5, 1)], [a, b]
    )
    assert lead is not None and lead.kind == "list"
    assert lead.render(lambda item: item.n) == "Helicopters, fighter jets and air defense systems [1]."


def test_a_listed_phrase_ends_at_the_focus_noun_when_the_parser_runs_past_it() -> None:
    # the small parser reads "aligns" as a noun: "air defense systems aligns"
    a = source(
        1,
        "OSINTSights",
        "South Korea’s offer of helicopters, fighter jets, and air defense systems aligns with Iraq’s "
        "urgent need for modernization, making this partnership mutually beneficial.",
    )
    lead = build_lead(analyze("Which systems did South Korea offer Iraq?"), [scored(a, 0.6, 0)], [a])
    assert lead is not None
    assert lead.render(lambda item: item.n) == "Helicopters, fighter jets and air defense systems [1]."


def test_a_date_answer_names_a_point_in_time_and_a_count_is_not_a_date() -> None:
    a = source(
        1, "OSINTSights", "Iraq, having endured decades of war, met Korean officials at IQDEX on April 19-22."
    )
    ranked = [scored(a, 0.6, 0)]
    when = build_lead(analyze("When will the first helicopters be delivered to Iraq?"), ranked, [a])
    assert when is not None and when.render(lambda i: i.n) == "April 19-22 [1]."  # never "decades"
    assert build_lead(analyze("How many fighter jets has Iraq ordered?"), ranked, [a]) is None


def test_how_long_is_answered_by_a_span_of_time_without_a_number() -> None:
    a = source(1, "OSINTSights", "Iraq has lived through decades of war and instability since 1980.")
    lead = build_lead(analyze("For how long has Iraq lived through war?"), [scored(a, 0.6, 0)], [a])
    assert lead is not None and lead.values[0].text == "decades"
    # a count is still not a vague span of time
    assert build_lead(analyze("How many wars has Iraq lived through?"), [scored(a, 0.6, 0)], [a]) is None


def test_a_person_the_evidence_gives_another_role_does_not_answer_a_role_question() -> None:
    a = source(
        1,
        "OSINTSights",
        "According to Dr. Lee Sang-hyun, a defense analyst at the Korea Institute for Defense Analyses, "
        "the deal matters.",
    )
    ranked = [scored(a, 0.6, 0)]
    assert build_lead(analyze("Who is the Iraqi defense minister in the talks?"), ranked, [a]) is None
    analyst = build_lead(analyze("Which analyst commented on the deal?"), ranked, [a])
    assert analyst is not None and analyst.values[0].text == "Lee Sang-hyun"
    # a broad word ("person", "official") does not rule the analyst out
    assert build_lead(analyze("Which person commented on the deal?"), ranked, [a]) is not None


def test_an_institute_or_a_country_is_not_a_company_and_a_venue_is_not_a_region() -> None:
    a = source(
        1,
        "OSINTSights",
        "Analysts at the Korea Institute for Defense Analyses and officials of the United States watched "
        "the Middle East market, where Korea Aerospace Industries builds the FA-50 jets.",
    )
    ranked = [scored(a, 0.6, 0)]
    company = build_lead(analyze("Which company will manufacture the jets?"), ranked, [a])
    assert company is not None and company.values[0].text == "Korea Aerospace Industries"
    assert all(v.text != "United States" for v in company.values)
    b = source(2, "OSINTSights", "IQDEX 2025 opened in Baghdad, the largest show in the Middle East.")
    assert (
        build_lead(analyze("At which venue in Baghdad was IQDEX staged?"), [scored(b, 0.6, 0)], [b]) is None
    )
