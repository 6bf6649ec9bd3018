"""Tests of the input/output layer (factcheck.io): fetching links and polling feeds."""
