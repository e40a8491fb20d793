"""The English catalogue covers every text of the code.

The texts are extracted afresh (Django's makemessages, with the flags of `make messages`) from a
copy of the source files, so the committed catalogue is never touched, and compared with
locale/en/LC_MESSAGES/django.po: a text added without its English fails here, by name.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE = Path(settings.BASE_DIR)
CATALOGUE = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
# What makemessages reads (its default extensions for the django domain) and what it skips; the
# same as MESSAGES_FLAGS in the Makefile.
EXTENSIONS = {".py", ".html", ".txt"}
IGNORED = {".venv", "node_modules", "tests", "bench", "locale", ".git"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
HOW_TO_FIX = (
    "Run `make messages` (it adds the new msgids to locale/en/LC_MESSAGES/django.po), write each "
    "one's English in its msgstr, drop any `#, fuzzy` line, then `make install` compiles it "
    "(README, 'Translations')."
)


@dataclass
class Entry:
    msgid: str
    context: str = ""
    plural: str = ""
    strings: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.context, self.msgid, self.plural)


def read_po(path: Path) -> dict[tuple[str, str, str], Entry]:
    """The entries of a .po file (the header and obsolete `#~` entries left out)."""
    entries: dict[tuple[str, str, str], Entry] = {}
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if not fields.get("msgid"):
            continue
        strings = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entry = Entry(
            msgid=fields["msgid"],
            context=fields.get("msgctxt", ""),
            plural=fields.get("msgid_plural", ""),
            strings=strings,
            fuzzy=fuzzy,
        )
        entries[entry.key] = entry
    return entries


def extract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str, str], Entry]:
    """Every msgid of the code, by makemessages on a copy of the source files."""
    source = tmp_path / "src"
    for path in BASE.rglob("*"):
        relative = path.relative_to(BASE)
        if relative.parts[0] in IGNORED or path.suffix not in EXTENSIONS or not path.is_file():
            continue
        target = source / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (source / "locale").mkdir()
    monkeypatch.chdir(source)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [source / "locale"])
    call_command(
        "makemessages",
        locale=["en"],
        no_location=True,
        no_obsolete=True,
        ignore_patterns=sorted(IGNORED),
        verbosity=0,
    )
    return read_po(source / "locale" / "en" / "LC_MESSAGES" / "django.po")


def _show(entry: Entry) -> str:
    return repr(entry.msgid if not entry.context else f"{entry.context}|{entry.msgid}")


def test_every_text_of_the_code_has_its_english(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    assert CATALOGUE.exists(), f"no {CATALOGUE.relative_to(BASE)}. {HOW_TO_FIX}"
    code = extract(tmp_path, monkeypatch)
    catalogue = read_po(CATALOGUE)
    assert len(code) > 1000, "makemessages found almost nothing: is gettext installed?"

    missing = [e for k, e in code.items() if k not in catalogue]
    untranslated = [e for k, e in code.items() if k in catalogue and not all(catalogue[k].strings)]
    fuzzy = [e for k, e in code.items() if k in catalogue and catalogue[k].fuzzy]
    problems = []
    for label, entries in (
        ("not in the catalogue", missing),
        ("without English", untranslated),
        ("marked fuzzy", fuzzy),
    ):
        if entries:
            names = "\n  ".join(_show(e) for e in entries[:40])
            more = f"\n  … and {len(entries) - 40} more" if len(entries) > 40 else ""
            problems.append(f"{len(entries)} msgids {label}:\n  {names}{more}")
    assert not problems, "\n".join(problems) + "\n" + HOW_TO_FIX


def test_the_english_keeps_every_placeholder_of_the_chinese():
    wrong = []
    for entry in read_po(CATALOGUE).values():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for index, text in enumerate(entry.strings):
            if not text:
                continue
            # A plural's singular form may leave out the count ("one deal" for "%(n)s 个项目").
            if entry.plural and index == 0:
                if not set(PLACEHOLDER.findall(text)) <= set(expected):
                    wrong.append((entry.msgid, text))
            elif sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))
    assert not wrong, "placeholders differ between the Chinese and the English:\n" + "\n".join(
        f"  {msgid!r} → {text!r}" for msgid, text in wrong
    )


def test_the_catalogue_compiles_with_msgfmt(tmp_path):  # type: ignore[no-untyped-def]
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: apt install gettext (scripts/system-deps.sh installs it)"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
