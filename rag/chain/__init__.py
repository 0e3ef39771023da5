"""The answer chain: condense -> retrieve -> pack -> generate -> verify, as a LangChain runnable.

:class:`AnswerChain` is a ``Runnable[ChainInput | str, Answer]`` (rag/chain/runnable.py) over plain
step functions (rag/chain/steps.py, rag/chain/evidence.py) that pass immutable values
(rag/chain/values.py) from one to the next. It takes our retriever or any LangChain
``BaseRetriever``, and our backends or any LangChain chat model::

    from rag import Assistant
    from rag.chain import ChainInput
    from rag.types import Turn

    chain = Assistant.from_settings().chain             # what rag.Assistant.ask runs
    answer = chain.invoke("Which systems were discussed at IQDEX?")
    follow_up = ChainInput("Where was it held?", history=[Turn("user", "What is IQDEX?")])
    for event in chain.answer_events(follow_up):         # text deltas, then the verified answer
        print(event.delta or event.answer)
"""

from __future__ import annotations

from rag.chain.runnable import AnswerChain
from rag.chain.values import ChainConfig, ChainInput

__all__ = ["AnswerChain", "ChainConfig", "ChainInput"]
