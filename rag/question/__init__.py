"""Question analysis with spaCy: expected answer type, focus, entities (normalised), dates.

``analyze(question)`` is the one entry point; the pipeline loads on first use.
"""

from rag.question.analysis import QuestionAnalysis, analyze
from rag.question.answer_types import AnswerType
from rag.question.entities import Entity, QuestionDate

__all__ = ["AnswerType", "Entity", "QuestionAnalysis", "QuestionDate", "analyze"]
