"""Ingestion: load inputs, clean them, chunk them, embed them into the store."""
