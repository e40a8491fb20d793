"""The two languages. The interface speaks the visitor's choice (the header's switch, kept in a
cookie; `common.middleware.LocaleMiddleware`), Chinese by default. What has legal or official
weight is Chinese whatever the interface speaks: the contract documents (HTML and PDF) and the
broker's annual reward statement. What is stored for other people to read (notification texts)
and every e-mail are written in Chinese too: DealDesk keeps no language per person, and the
reader is rarely the person whose click produced the text."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.utils import translation

P = ParamSpec("P")
R = TypeVar("R")

LEGAL_LANGUAGE = "zh-hans"


def in_chinese() -> translation.override:
    """`with in_chinese():` renders its block in Chinese, then restores the caller's language.
    A fresh context manager each call: one shared `override` instance is not thread-safe."""
    return translation.override(LEGAL_LANGUAGE)


def stored_text(text: str) -> str:
    """A text the code stored in Chinese (a history reason such as 创建项目, marked with
    `gettext_noop` where it is written) in the reader's language when the catalogue has it;
    anything else — what a person typed — exactly as stored."""
    return translation.gettext(text) if text else ""


def written_in_chinese(function: Callable[P, R]) -> Callable[P, R]:
    """For a function that writes text other people read later (a notification's text): it
    runs in Chinese, whichever language the person whose action called it has chosen."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with in_chinese():
            return function(*args, **kwargs)

    return wrapper
