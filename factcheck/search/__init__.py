"""Search: FAISS index directories, BM25, evidence suggestion and matching against earlier fact-checks."""
