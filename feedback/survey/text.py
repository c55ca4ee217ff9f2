"""Cleaning free text typed by citizens (form comments, imported comment cells)."""

from __future__ import annotations


def clean_text(value: str) -> str:
    """Keep printable characters, newlines and tabs; drop other control characters; strip."""
    return "".join(ch for ch in value if ch in "\n\t" or ch.isprintable()).strip()
