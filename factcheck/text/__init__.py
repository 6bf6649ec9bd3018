"""Pure functions over strings: sentences with offsets, speakers, key values, value comparison, tokens.

Nothing here touches the database, the model or the indexes.
"""
