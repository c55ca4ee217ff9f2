"""Integrity: served counts per counter-hour, the screening of counter-hours (rules with
reason codes, ordered by an IsolationForest: scoring.integrity) and its stored results."""
