"""The user lexicon: parsing, errors naming the line, spelling for espeak and piper, alignment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mundwerk.cli import main
from mundwerk.core.phones import CONSONANTS, VOWELS, Stress
from mundwerk.speech import ipa
from mundwerk.speech.lexicon import (
    LexiconError,
    Pronunciation,
    load_lexicon,
    parse_lexicon,
    sphinx_dictionary,
    substitute,
)
from mundwerk.speech.synthesizer import SynthesisOptions, get_synthesizer

LEXICON = """\
# pronunciations for the script
tomato   T AH0 M AA1 T OW2

Mundwerk M UH1 N T V EH2 R K   # the project
don't    D OW1 N T
"""

#: Words that between them hold every ARPAbet phone, as the lexicon would give them.
ALL_PHONES = (
    "AA1 B CH D DH", "AE1 F G HH JH", "AH0 K L M N", "AH1 NG P R S", "AO1 SH T TH V",
    "AW1 W Y Z ZH", "AY1 EH2 ER1", "ER0 D EY1 T IH1 K", "IY1 OW1 OY1", "UH1 K UW1 T IY0",
)  # fmt: skip


def test_entries_with_stress_comments_and_case() -> None:
    lexicon = parse_lexicon(LEXICON)
    assert len(lexicon) == 3
    tomato = lexicon.get("Tomato")
    assert tomato is not None
    assert tomato.symbols == ("T", "AH", "M", "AA", "T", "OW")
    assert tomato.stresses == (None, Stress.NONE, None, Stress.PRIMARY, None, Stress.SECONDARY)
    assert lexicon.get("MUNDWERK") == lexicon.get("mundwerk")
    assert lexicon.get("don’t") is not None, "curly apostrophes match straight ones"
    assert lexicon.get("potato") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("foo  F QQ", "lex.txt line 3: unknown phone 'QQ' (ARPAbet symbols such as AA, B, CH)"),
        ("foo", "lex.txt line 3: 'foo' has no phones"),
        ("foo  F1 UW", "lex.txt line 3: bad stress in 'F1'"),
        ("foo  F UW7", "lex.txt line 3: bad stress in 'UW7'"),
        ("foo  F SIL", "lex.txt line 3: unknown phone 'SIL'"),
        ("f/o  F UW", "lex.txt line 3: 'f/o' is not a word"),
    ],
)
def test_malformed_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "lex.txt"
    path.write_text(f"# header\nbar  B AA1 R\n{line}\n", encoding="utf-8")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(path)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="lexicon not found"):
        load_lexicon(tmp_path / "missing.txt")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9 K AE F EY\n".encode("latin-1"))
    with pytest.raises(LexiconError, match="not UTF-8"):
        load_lexicon(latin1)


def _pronunciation(spec: str) -> Pronunciation:
    lexicon = parse_lexicon(f"word {spec}\n")
    entry = lexicon.get("word")
    assert entry is not None
    return entry


def test_every_phone_has_a_spelling() -> None:
    spelled = {symbol for spec in ALL_PHONES for symbol in _pronunciation(spec).symbols}
    assert spelled == VOWELS | CONSONANTS


@pytest.mark.parametrize("spec", ALL_PHONES)
def test_ipa_spelling_reads_back_as_the_same_phones(spec: str) -> None:
    pronunciation = _pronunciation(spec)
    assert ipa.arpabet_symbols(pronunciation.ipa(), "en-us") == pronunciation.symbols


@pytest.mark.parametrize("spec", ALL_PHONES)
def test_espeak_speaks_the_lexicon_phones_exactly(spec: str) -> None:
    pronunciation = _pronunciation(spec)
    synthesis = get_synthesizer("espeak").synthesize(
        f"[[{pronunciation.espeak()}]]", SynthesisOptions(voice="en-us")
    )
    spoken = tuple(phone.symbol for phone in synthesis.phones if not phone.is_silence)
    assert spoken == pronunciation.symbols


def test_substitute_puts_punctuation_where_each_engine_needs_it() -> None:
    lexicon = parse_lexicon(LEXICON)
    text, found = substitute("A Tomato, said Mundwerk.", lexicon, "espeak")
    assert text == "A [[t@m'A:t,oU]], said [[m'Untv,Er-k]]."
    assert [item.word for item in found] == ["Tomato", "Mundwerk"]
    text, _ = substitute("A Tomato, said Mundwerk.", lexicon, "ipa")
    assert text == "A [[təmˈɑːtˌoʊ,]] said [[mˈʊntvˌɛɹk.]]"
    assert substitute("no entries here", lexicon, "ipa") == ("no entries here", ())


def test_sphinx_dictionary_replaces_words_and_their_alternates() -> None:
    base = ["tomato T AH M EY T OW", "tomato(2) T AH M AA T OW", "potato P AH T EY T OW"]
    lines = list(sphinx_dictionary(parse_lexicon(LEXICON), base))
    assert "potato P AH T EY T OW" in lines
    assert [line for line in lines if line.startswith("tomato")] == ["tomato T AH M AA T OW"]
    assert "mundwerk M UH N T V EH R K" in lines


def test_pocketsphinx_lexicon_overrides_the_dictionary() -> None:
    from mundwerk.speech.pocketsphinx import PocketSphinxRecognizer

    lexicon = parse_lexicon("ten  T IH1 N\nzorblax Z AO1 R B L AE K S\n")
    recognizer = PocketSphinxRecognizer.load(word_search=False, lexicon=lexicon)
    for decoder in (recognizer.aligner, recognizer.wide_aligner):
        assert decoder.lookup_word("ten") == "T IH N"
        assert decoder.lookup_word("zorblax") == "Z AO R B L AE K S"
        assert decoder.lookup_word("forward") is not None, "the rest of the dictionary stays"
    plain = PocketSphinxRecognizer.load(word_search=False)
    assert plain.aligner.lookup_word("ten") == "T EH N"


def test_analyze_aligns_with_the_lexicon(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(__file__).parent / "data"
    lexicon = tmp_path / "lex.txt"
    lexicon.write_text("ten  T IH1 N\n", encoding="utf-8")
    base = [
        "analyze",
        "-q",
        str(data / "goforward.wav"),
        "--transcript",
        str(data / "rhubarb" / "goforward.txt"),
    ]
    assert main([*base, "--lexicon", str(lexicon), "--format", "phones-json", "-o", "-"]) == 0
    words = {word["text"]: word["phones"] for word in json.loads(capsys.readouterr().out)["words"]}
    assert [phone["phone"] for phone in words["ten"]] == ["T", "IH", "N"]
    assert main([*base, "--lexicon", str(lexicon), "--recognizer", "phonetic", "-o", "-"]) == 2
    assert "--lexicon needs --recognizer pocketsphinx" in capsys.readouterr().err
    lexicon.write_text("ten  T IH1 N\nmeters M IY1 T ER0 Z Q\n", encoding="utf-8")
    assert main([*base, "--lexicon", str(lexicon), "-o", "-"]) == 2
    assert "lex.txt line 2: unknown phone 'Q'" in capsys.readouterr().err
