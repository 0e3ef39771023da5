"""Typed spans of evidence sentences: labels, cleaned text and offsets into the sentence."""

from __future__ import annotations

from rag.answer.spans import name_key, typed_spans


def test_spans_carry_labels_and_exact_offsets_without_articles_or_possessives() -> None:
    sentence = "The Pentagon's budget rose to $842 billion in 2024, Lloyd Austin said in Washington."
    (spans,) = typed_spans([sentence])
    by_label = {s.label: s for s in spans}
    assert by_label["MONEY"].text == "$842 billion"
    assert by_label["PERSON"].text == "Lloyd Austin"
    for span in spans:
        assert sentence[span.start : span.end] == span.text
    assert all(not s.text.startswith("The ") and not s.text.endswith("'s") for s in spans)


def test_repeated_sentences_are_read_once_and_keys_ignore_case_and_punctuation() -> None:
    first, again = typed_spans(
        ["Sam Bankman-Fried testified on Friday.", "Sam Bankman-Fried testified on Friday."]
    )
    assert first == again
    assert name_key("Bankman-Fried's") == name_key("bankman fried") == "bankmanfried"
