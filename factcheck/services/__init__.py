"""One function per user action (extract, add sources, link evidence, set a verdict, export ...).

The CLI and the app parse input, call these, and display what they return.
"""
