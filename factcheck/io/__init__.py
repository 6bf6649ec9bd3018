"""Input and output formats: readers for files and uploads, CSV, ClaimReview and JSONL."""
