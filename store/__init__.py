"""Storage: embeddings, the Chroma vector store, the lexical index and caches."""
