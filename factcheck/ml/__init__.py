"""The model side: the sentence encoder with its (model, text hash) cache, and the check-worthiness scorer."""
