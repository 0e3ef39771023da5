"""The eval suite: drives rag.Assistant like a user and scores what comes back."""
