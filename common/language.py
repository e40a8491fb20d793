"""The two languages. The interface speaks the visitor's choice (the header's switch, kept in a
cookie; `common.middleware.LocaleMiddleware`), Chinese by default. What has legal or official
weight is Chinese whatever the interface speaks: the contract documents (HTML and PDF) and the
broker's annual reward statement. What is stored for other people to read (notification texts)
and every e-mail are written in Chinese too: DealDesk keeps no language per person, and the
reader is rarely the person whose click produced the text."""

from __future__ import annotations

from django.utils import translation

LEGAL_LANGUAGE = "zh-hans"


def in_chinese() -> translation.override:
    """`with in_chinese():` renders its block in Chinese, then restores the caller's language.
    A fresh context manager each call: one shared `override` instance is not thread-safe."""
    return translation.override(LEGAL_LANGUAGE)
