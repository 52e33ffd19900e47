"""SMS text: alphabet choice, segment boundaries and fitting alerts to a budget.

Lengths on the wire are measured independently where they can be: UCS-2
parts through Python's UTF-16 codec, GSM-7 parts through their septets.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.channels.sms_text import (
    ESCAPE,
    GSM7_CODES,
    GSM7_EXTENSION_CODES,
    Encoding,
    build_sms_text,
    count_segments,
    count_units,
    encode_gsm7,
    encoding_of,
    segments,
)

INDONESIAN = (
    "Peringatan dini tsunami untuk pesisir Banten dan Lampung. Segera menjauh "
    "dari pantai dan menuju tempat yang tinggi. Ikuti arahan petugas BPBD dan "
    "jangan kembali sebelum ada pemberitahuan resmi."
)
WAVE = "🌊"  # outside the BMP: a surrogate pair in UTF-16
OGONEK = "ą"  # inside the BMP, outside GSM-7
SINGLE_LIMITS = {Encoding.GSM7: 160, Encoding.UCS2: 70}
PART_LIMITS = {Encoding.GSM7: 153, Encoding.UCS2: 67}


def ucs2_units(text: str) -> list[int]:
    data = text.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def wire_length(text: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return len(encode_gsm7(text))
    return len(ucs2_units(text))


# --- the alphabet ----------------------------------------------------------


def test_default_alphabet_uses_every_code_but_the_escape() -> None:
    assert sorted(GSM7_CODES.values()) == [c for c in range(128) if c != ESCAPE]


def test_extension_table_is_the_basic_one() -> None:
    assert set(GSM7_EXTENSION_CODES) == set("\f^{}\\[~]|€")


@pytest.mark.parametrize(
    ("text", "septets"),
    [
        pytest.param("@", b"\x00", id="at-sign-is-zero"),
        pytest.param("$", b"\x02", id="dollar"),
        pytest.param("¤", b"\x24", id="currency-sign-where-ascii-has-dollar"),
        pytest.param("Ç", b"\x09", id="capital-c-cedilla"),
        pytest.param("AZaz09", b"AZaz09", id="ascii-letters-and-digits"),
        pytest.param("äà", b"\x7b\x7f", id="a-umlaut-and-a-grave"),
        pytest.param("\n\r", b"\x0a\x0d", id="line-feed-and-carriage-return"),
        pytest.param("€", b"\x1b\x65", id="euro-is-escaped"),
        pytest.param("\\|", b"\x1b\x2f\x1b\x40", id="backslash-and-bar"),
        pytest.param("{x}", b"\x1b\x28x\x1b\x29", id="braces-around-a-letter"),
    ],
)
def test_encode_gsm7_gives_the_documented_septets(text: str, septets: bytes) -> None:
    assert encode_gsm7(text) == septets


def test_encode_gsm7_refuses_a_character_outside_the_alphabet() -> None:
    with pytest.raises(ValueError, match=r"'ą' is not in the GSM 03\.38 alphabet"):
        encode_gsm7("Ya ą")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        pytest.param("Flood warning", Encoding.GSM7, id="ascii"),
        pytest.param(INDONESIAN, Encoding.GSM7, id="indonesian"),
        pytest.param("Café Ärger Øst", Encoding.GSM7, id="accents-in-the-table"),
        pytest.param("Denda €50 [resmi]", Encoding.GSM7, id="extension-characters"),
        pytest.param("", Encoding.GSM7, id="empty"),
        pytest.param("Jalan `Sudirman`", Encoding.UCS2, id="backtick-is-not-gsm"),
        pytest.param("Jum’at", Encoding.UCS2, id="curly-apostrophe"),
        pytest.param("ç", Encoding.UCS2, id="small-c-cedilla"),
        pytest.param("a\tb", Encoding.UCS2, id="tab"),
        pytest.param("Tunggu…", Encoding.UCS2, id="ellipsis-character"),
        pytest.param(f"Tsunami {WAVE}", Encoding.UCS2, id="emoji"),
    ],
)
def test_encoding_of_chooses_gsm7_only_when_every_character_allows(
    text: str, encoding: Encoding
) -> None:
    assert encoding_of(text) == encoding


@pytest.mark.parametrize(
    ("text", "units"),
    [
        pytest.param("Banjir", 6, id="ascii-one-septet-each"),
        pytest.param("€5", 3, id="euro-two-septets"),
        pytest.param("{}[]~\\|^", 16, id="extension-two-septets-each"),
        pytest.param(OGONEK * 3, 3, id="bmp-one-unit-each"),
        pytest.param(f"a{WAVE}", 3, id="emoji-two-units"),
        pytest.param("€ą", 2, id="euro-in-ucs2-one-unit"),
    ],
)
def test_count_units_in_the_chosen_encoding(text: str, units: int) -> None:
    assert count_units(text) == units


# --- segments --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        pytest.param("", [], id="empty-text-no-message"),
        pytest.param("Flood warning", ["Flood warning"], id="ascii-short"),
        pytest.param(INDONESIAN, [INDONESIAN[:153], INDONESIAN[153:]], id="indonesian"),
        pytest.param("a" * 160, ["a" * 160], id="exactly-160-septets"),
        pytest.param("a" * 161, ["a" * 153, "a" * 8], id="161-septets"),
        pytest.param("a" * 306, ["a" * 153] * 2, id="two-full-gsm7-parts"),
        pytest.param("a" * 307, ["a" * 153] * 2 + ["a"], id="306-septets-and-one"),
        pytest.param(
            "a" * 151 + "{" + "b" * 20,
            ["a" * 151 + "{", "b" * 20],
            id="escape-pair-ends-at-153",
        ),
        pytest.param(
            "a" * 152 + "}" + "b" * 20,
            ["a" * 152, "}" + "b" * 20],
            id="escape-pair-would-straddle-153",
        ),
        pytest.param("Denda €50", ["Denda €50"], id="euro-sign"),
        pytest.param("€" * 80, ["€" * 80], id="80-euros-are-160-septets"),
        pytest.param("€" * 81, ["€" * 76, "€" * 5], id="81-euros"),
        pytest.param("a" * 159 + "€", ["a" * 153, "a" * 6 + "€"], id="euro-at-161"),
        pytest.param(OGONEK * 70, [OGONEK * 70], id="exactly-70-units"),
        pytest.param(OGONEK * 71, [OGONEK * 67, OGONEK * 4], id="71-units"),
        pytest.param(
            OGONEK * 65 + WAVE + OGONEK * 10,
            [OGONEK * 65 + WAVE, OGONEK * 10],
            id="surrogate-pair-ends-at-67",
        ),
        pytest.param(
            OGONEK * 66 + WAVE + OGONEK * 10,
            [OGONEK * 66, WAVE + OGONEK * 10],
            id="surrogate-pair-would-straddle-67",
        ),
        pytest.param(WAVE * 35, [WAVE * 35], id="35-emoji-are-70-units"),
        pytest.param(WAVE * 36, [WAVE * 33, WAVE * 3], id="36-emoji"),
        pytest.param(
            "a" * 100 + "’" + "a" * 100,
            ["a" * 67, "a" * 33 + "’" + "a" * 33, "a" * 67],
            id="one-curly-quote-turns-201-characters-into-ucs2",
        ),
    ],
)
def test_segments_split_at_the_documented_limits(text: str, parts: list[str]) -> None:
    assert segments(text) == parts
    assert count_segments(text) == len(parts)


# --- segment properties ----------------------------------------------------

GSM7_ALPHABET = "".join(sorted(GSM7_CODES)) + "".join(sorted(GSM7_EXTENSION_CODES))
gsm7_chars = st.sampled_from(GSM7_ALPHABET) | st.sampled_from("a€{")
other_chars = (
    st.sampled_from("ąęśż’“”…`\t")
    | st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
    | st.characters(codec="utf-8")
)
gsm7_texts = st.text(gsm7_chars, max_size=700)
mixed_texts = st.text(gsm7_chars | other_chars, max_size=400)
texts = gsm7_texts | mixed_texts


@given(texts)
def test_joined_segments_give_the_text_back(text: str) -> None:
    assert "".join(segments(text)) == text


@given(texts)
@settings(max_examples=300)
def test_no_segment_exceeds_its_limit_on_the_wire(text: str) -> None:
    encoding = encoding_of(text)
    parts = segments(text)
    limits = SINGLE_LIMITS if len(parts) == 1 else PART_LIMITS

    for part in parts:
        assert part
        assert wire_length(part, encoding) <= limits[encoding]


@given(texts)
@settings(max_examples=300)
def test_no_part_could_have_taken_the_next_character(text: str) -> None:
    encoding = encoding_of(text)
    parts = segments(text)
    limit = PART_LIMITS[encoding]

    for part, following in pairwise(parts):
        assert wire_length(part + following[0], encoding) > limit


@given(mixed_texts)
def test_no_ucs2_segment_splits_a_surrogate_pair(text: str) -> None:
    for part in segments(text):
        units = ucs2_units(part)
        assert not 0xDC00 <= units[0] <= 0xDFFF
        assert not 0xD800 <= units[-1] <= 0xDBFF


@given(gsm7_texts)
def test_no_gsm7_segment_ends_with_a_lone_escape(text: str) -> None:
    assert encoding_of(text) == Encoding.GSM7
    for part in segments(text):
        assert encode_gsm7(part)[-1] != ESCAPE


# --- building the text of an alert -----------------------------------------

LONG_INSTRUCTION = "Segera " + "menjauh dari pantai menuju tempat tinggi " * 12


def test_headline_and_instruction_that_fit_are_kept_whole() -> None:
    sms = build_sms_text("Banjir bandang", "Mengungsi ke masjid terdekat.")

    assert sms.text == "Banjir bandang\nMengungsi ke masjid terdekat."
    assert sms.encoding == Encoding.GSM7
    assert sms.segments == ("Banjir bandang\nMengungsi ke masjid terdekat.",)


@pytest.mark.parametrize(
    ("headline", "instruction", "extras", "text"),
    [
        pytest.param(None, "Mengungsi.", (), "Mengungsi.", id="no-headline"),
        pytest.param("Banjir", None, (), "Banjir", id="no-instruction"),
        pytest.param(None, None, (), "", id="nothing-at-all"),
        pytest.param(
            "Banjir",
            "Mengungsi.",
            ("https://k.id/a1",),
            "Banjir\nMengungsi.\nhttps://k.id/a1",
            id="extras-last-one-per-line",
        ),
        pytest.param(
            "  Banjir\n bandang ",
            "Naik ke\tlantai dua",
            (" ", ""),
            "Banjir bandang\nNaik ke lantai dua",
            id="whitespace-tidied-and-blank-extras-dropped",
        ),
    ],
)
def test_build_lays_out_headline_instruction_then_extras(
    headline: str | None, instruction: str | None, extras: tuple[str, ...], text: str
) -> None:
    assert build_sms_text(headline, instruction, extras=extras).text == text


def test_nothing_to_say_is_no_message() -> None:
    assert build_sms_text(None, " ").segments == ()


def test_long_instruction_loses_words_from_its_end() -> None:
    sms = build_sms_text("Tsunami", LONG_INSTRUCTION, max_segments=1)
    kept = sms.text.removeprefix("Tsunami\n").removesuffix("...")

    assert sms.text.endswith("...")
    assert count_segments(sms.text) == 1
    assert LONG_INSTRUCTION.startswith(kept + " ")
    next_word = LONG_INSTRUCTION[len(kept) + 1 :].split(" ")[0]
    assert count_segments(f"Tsunami\n{kept} {next_word}...") > 1


def test_ucs2_instruction_is_shortened_with_the_ellipsis_character() -> None:
    instruction = "Salat Jum’at di masjid raya ditiadakan hari ini. " * 5
    sms = build_sms_text("Banjir", instruction, max_segments=1)

    kept = sms.text.removeprefix("Banjir\n").removesuffix("…")

    assert sms.encoding == Encoding.UCS2
    assert sms.text.endswith("…")
    assert instruction.startswith(kept + " ")
    assert count_segments(sms.text) == 1


def test_cutting_the_only_non_gsm_character_returns_to_gsm7() -> None:
    instruction = "Naik ke lantai dua " * 7 + "Jum’at."
    sms = build_sms_text("Banjir", instruction, max_segments=1)

    assert sms.encoding == Encoding.GSM7
    assert sms.text == "Banjir\n" + "Naik ke lantai dua " * 6 + "Naik ke lantai dua..."


def test_extras_stay_while_the_instruction_is_shortened() -> None:
    sms = build_sms_text(
        "Tsunami", LONG_INSTRUCTION, extras=["k.id/a1"], max_segments=1
    )

    assert sms.text.startswith("Tsunami\nSegera menjauh")
    assert sms.text.endswith("...\nk.id/a1")
    assert count_segments(sms.text) == 1


def test_extras_go_when_not_even_one_instruction_word_fits_beside_them() -> None:
    headline = "Peringatan " * 12 + "banjir"  # 138 characters
    link = "https://example.org/" + "x" * 20

    sms = build_sms_text(headline, "Mengungsi sekarang", extras=[link], max_segments=1)

    assert sms.text == headline + "\nMengungsi sekarang"


def test_instruction_whose_first_word_cannot_fit_is_dropped() -> None:
    sms = build_sms_text(
        "Banjir bandang", "https://example.org/" + "x" * 200, max_segments=1
    )

    assert sms.text == "Banjir bandang"


def test_headline_over_budget_is_shortened_at_a_word() -> None:
    headline = "Banjir " * 40
    sms = build_sms_text(headline, "Mengungsi.", max_segments=1)

    assert sms.text.startswith("Banjir Banjir")
    assert sms.text.endswith("Banjir...")
    assert "\n" not in sms.text
    assert count_segments(sms.text) == 1


@pytest.mark.parametrize(
    ("headline", "text"),
    [
        pytest.param("A" * 500, "A" * 157 + "...", id="gsm7-fills-160"),
        pytest.param(OGONEK * 500, OGONEK * 69 + "…", id="ucs2-fills-70"),
        pytest.param("-" * 500, "-" * 157 + "...", id="punctuation-only"),
    ],
)
def test_headline_of_one_huge_word_is_cut_within_it(headline: str, text: str) -> None:
    assert build_sms_text(headline, None, max_segments=1).text == text


def test_default_budget_is_three_segments() -> None:
    sms = build_sms_text("Tsunami", LONG_INSTRUCTION * 3)

    assert len(sms.segments) == 3
    assert sms.text.endswith("...")


@pytest.mark.parametrize("budget", [0, -1])
def test_budget_below_one_segment_is_refused(budget: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        build_sms_text("Banjir", None, max_segments=budget)


# --- builder properties ----------------------------------------------------

word_chars = (gsm7_chars | other_chars).filter(lambda char: not char.isspace())
words = st.text(word_chars, min_size=1, max_size=30)
headlines = st.lists(words, min_size=1, max_size=40).map(" ".join)
instructions = st.none() | st.text(gsm7_chars | other_chars, max_size=800)
extra_lines = st.lists(st.text(word_chars, min_size=1, max_size=40), max_size=2)
budgets = st.integers(min_value=1, max_value=4)


@given(st.none() | headlines, instructions, extra_lines, budgets)
def test_build_never_exceeds_the_budget(
    headline: str | None, instruction: str | None, extras: list[str], budget: int
) -> None:
    sms = build_sms_text(headline, instruction, extras=extras, max_segments=budget)

    assert count_segments(sms.text) <= budget
    assert sms.segments == tuple(segments(sms.text))
    assert sms.encoding == encoding_of(sms.text)


@given(headlines, instructions, extra_lines, budgets)
@example("Banjir bandang", "x" * 200, [], 1)
def test_build_keeps_the_whole_headline_when_it_fits_alone(
    headline: str, instruction: str | None, extras: list[str], budget: int
) -> None:
    sms = build_sms_text(headline, instruction, extras=extras, max_segments=budget)

    if count_segments(headline) <= budget:
        assert sms.text.split("\n")[0] == headline
    else:
        assert headline.startswith(sms.text.removesuffix("...").removesuffix("…"))
