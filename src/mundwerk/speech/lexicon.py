"""A user lexicon: words with the ARPAbet phones they must be spoken and aligned with.

The file is UTF-8, one entry a line: ``word  PH1 PH2 ...`` (CMU dictionary symbols, stress
digits allowed: ``tomato  T AH0 M AA1 T OW2``); ``#`` starts a comment, blank lines are
ignored. Words match case-insensitively. Entries apply to synthesis (the word is spoken
from its phones: espeak mnemonics or IPA inside ``[[ ]]``) and to pocketsphinx alignment
(they replace the dictionary's pronunciation). espeak applies its own phonology to the
phones it is given in a few contexts (a linking R between ER and a vowel; word-final
unstressed IH spoken as IY); the timing always follows what it actually spoke. Phones are
spelled as English phonemes, for English voices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mundwerk.core.errors import UsageError
from mundwerk.core.phones import CONSONANTS, VOWELS, Stress
from mundwerk.core.text_files import read_utf8

#: A word as the lexicon sees it in running text (apostrophes inside words kept).
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_WORD_AND_PUNCTUATION = re.compile(rf"(?P<word>{WORD.pattern})(?P<punctuation>[,.;:!?]*)")
_STRESS_MARKS = {Stress.PRIMARY: "ˈ", Stress.SECONDARY: "ˌ"}
_ESPEAK_STRESS = {Stress.PRIMARY: "'", Stress.SECONDARY: ","}

#: ARPAbet → (espeak English mnemonic, IPA as espeak-ng writes it for en-us); vowels with
#: two spellings use the second pair member when unstressed (AH → schwa, ER → r-coloured schwa).
_SPELLINGS: dict[str, tuple[str, str]] = {
    "AA": ("A:", "ɑː"), "AE": ("a", "æ"), "AH": ("V", "ʌ"), "AO": ("O:", "ɔː"), "AW": ("aU", "aʊ"),
    "AY": ("aI", "aɪ"), "EH": ("E", "ɛ"), "ER": ("3:", "ɜː"), "EY": ("eI", "eɪ"), "IH": ("I", "ɪ"),
    "IY": ("i:", "iː"), "OW": ("oU", "oʊ"), "OY": ("OI", "ɔɪ"), "UH": ("U", "ʊ"), "UW": ("u:", "uː"),
    "B": ("b", "b"), "CH": ("tS", "tʃ"), "D": ("d", "d"), "DH": ("D", "ð"), "F": ("f", "f"),
    "G": ("g", "ɡ"), "HH": ("h", "h"), "JH": ("dZ", "dʒ"), "K": ("k", "k"), "L": ("l", "l"),
    "M": ("m", "m"), "N": ("n", "n"), "NG": ("N", "ŋ"), "P": ("p", "p"), "R": ("r-", "ɹ"),
    "S": ("s", "s"), "SH": ("S", "ʃ"), "T": ("t", "t"), "TH": ("T", "θ"), "V": ("v", "v"),
    "W": ("w", "w"), "Y": ("j", "j"), "Z": ("z", "z"), "ZH": ("Z", "ʒ"),
}  # fmt: skip
_UNSTRESSED: dict[str, tuple[str, str]] = {"AH": ("@", "ə"), "ER": ("3", "ɚ")}


class LexiconError(UsageError):
    """A lexicon file that cannot be read or has a malformed line (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Pronunciation:
    """ARPAbet symbols (no ``SIL``) and the stress of each (None for consonants)."""

    symbols: tuple[str, ...]
    stresses: tuple[Stress | None, ...]

    def espeak(self) -> str:
        """espeak's phoneme mnemonics for English voices, to go inside ``[[ ]]``."""
        return "".join(_spell(symbol, stress, 0, _ESPEAK_STRESS) for symbol, stress in self._pairs())

    def ipa(self) -> str:
        """IPA as espeak-ng (and so piper) writes it for American English."""
        return "".join(_spell(symbol, stress, 1, _STRESS_MARKS) for symbol, stress in self._pairs())

    def _pairs(self) -> Iterable[tuple[str, Stress | None]]:
        return zip(self.symbols, self.stresses, strict=True)


def _spell(symbol: str, stress: Stress | None, column: int, marks: Mapping[Stress, str]) -> str:
    stressed = stress in (Stress.PRIMARY, Stress.SECONDARY)
    table = _SPELLINGS if stressed or symbol not in _UNSTRESSED else _UNSTRESSED
    mark = marks[stress] if stress is not None and stressed else ""
    return mark + table[symbol][column]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words (lower case) → pronunciations."""

    entries: Mapping[str, Pronunciation]

    def get(self, word: str) -> Pronunciation | None:
        return self.entries.get(normalize_word(word))

    def __len__(self) -> int:
        return len(self.entries)


EMPTY = Lexicon({})


def normalize_word(word: str) -> str:
    """The lookup key of ``word``: lower case, curly apostrophes straight."""
    return word.strip().lower().replace("’", "'")


def load_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon file; a malformed line raises :class:`LexiconError` naming it."""
    path = Path(path)
    return parse_lexicon(read_utf8(path, "lexicon", LexiconError), path.name)


def parse_lexicon(text: str, name: str = "lexicon") -> Lexicon:
    """Entries from lexicon ``text``; ``name`` is used in error messages."""
    entries: dict[str, Pronunciation] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            word, pronunciation = _parse_line(content, f"{name} line {number}")
            entries[word] = pronunciation
    return Lexicon(entries)


def _parse_line(content: str, where: str) -> tuple[str, Pronunciation]:
    word, *tokens = content.split()
    if not WORD.fullmatch(word.replace("’", "'")):
        raise LexiconError(f"{where}: {word!r} is not a word (letters, digits and inner apostrophes)")
    if not tokens:
        raise LexiconError(f"{where}: {word!r} has no phones (write: word  PH1 PH2 ...)")
    symbols: list[str] = []
    stresses: list[Stress | None] = []
    for token in tokens:
        symbol, stress = _parse_phone(token, where)
        symbols.append(symbol)
        stresses.append(stress)
    return normalize_word(word), Pronunciation(tuple(symbols), tuple(stresses))


def _parse_phone(token: str, where: str) -> tuple[str, Stress | None]:
    symbol, digit = token.upper(), ""
    if symbol[-1:].isdigit():
        symbol, digit = symbol[:-1], symbol[-1]
    if symbol in VOWELS and digit in ("", "0", "1", "2"):
        return symbol, Stress(int(digit)) if digit else Stress.NONE
    if symbol in CONSONANTS and not digit:
        return symbol, None
    if symbol in VOWELS | CONSONANTS:
        raise LexiconError(f"{where}: bad stress in {token!r} (vowels take 0, 1 or 2; consonants none)")
    raise LexiconError(f"{where}: unknown phone {token!r} (ARPAbet symbols such as AA, B, CH)")


def sphinx_dictionary(lexicon: Lexicon, base: Iterable[str]) -> Iterable[str]:
    """Lines of a pocketsphinx dictionary: ``base``'s lines with the lexicon's words replaced."""
    for line in base:
        head = line.split(maxsplit=1)[0] if line.strip() else ""
        if normalize_word(head.split("(", 1)[0]) not in lexicon.entries:
            yield line.rstrip("\n")
    for word, pronunciation in sorted(lexicon.entries.items()):
        yield f"{word} {' '.join(pronunciation.symbols)}"


@dataclass(frozen=True, slots=True)
class Substitution:
    """A word of the text replaced by its lexicon phones, and those phones."""

    word: str
    pronunciation: Pronunciation


def substitute(text: str, lexicon: Lexicon, spelling: str) -> tuple[str, tuple[Substitution, ...]]:
    """``text`` with every lexicon word replaced by ``[[phones]]`` (``spelling``: ``espeak``
    mnemonics or ``ipa``), and what was replaced, in order."""
    if not lexicon.entries:
        return text, ()
    found: list[Substitution] = []

    def replace(match: re.Match[str]) -> str:
        pronunciation = lexicon.get(match["word"])
        if pronunciation is None:
            return match[0]
        found.append(Substitution(match["word"], pronunciation))
        if spelling == "ipa":  # piper: punctuation goes inside, else it is read out on its own
            return f"[[{pronunciation.ipa()}{match['punctuation']}]]"
        return f"[[{pronunciation.espeak()}]]{match['punctuation']}"

    return _WORD_AND_PUNCTUATION.sub(replace, text), tuple(found)
