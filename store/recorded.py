"""What an existing store was built with, read before any model loads."""

from __future__ import annotations

from pathlib import Path


def recorded_model_id(chroma_folder: Path, collection: str) -> str | None:
    """The embedding model id recorded on ``collection`` in the local Chroma folder, or None when
    there is no such store yet (a Chroma server's store is checked when it is opened instead)."""
    if not (chroma_folder / "chroma.sqlite3").is_file():
        return None
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(chroma_folder), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    )
    # list_collections, not get_collection: the latter attaches Chroma's default embedding function
    for found in client.list_collections():
        if found.name == collection:
            recorded = (found.metadata or {}).get("embedding_model")
            return str(recorded) if recorded else None
    return None
