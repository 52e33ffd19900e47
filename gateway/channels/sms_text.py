"""The text of an alert's SMS: its alphabet, its length and its segments.

The alphabet is GSM-7 (the GSM 03.38 / 3GPP TS 23.038 default alphabet plus
its basic extension table, whose characters cost an escape septet and the
character) when every character allows it, else UCS-2 sent as UTF-16, where a
character outside the BMP costs a surrogate pair. One message holds 160
septets or 70 UTF-16 units; a concatenated one spends 6 octets of each part on
the user data header, leaving 153 septets or 67 units. Escape pairs and
surrogate pairs are never split across parts. A footer added to each
recipient's copy (``with_footer``) gets room kept for it when the text is
built, so every copy stays within the same budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Encoding(StrEnum):
    """The alphabet a message is sent in."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


ESCAPE = 0x1B
# The default alphabet in code order; the escape code 0x1B holds a placeholder.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_CODES = {char: code for code, char in enumerate(GSM7_BASIC) if code != ESCAPE}
GSM7_EXTENSION_CODES = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
SINGLE_LIMIT = {Encoding.GSM7: 160, Encoding.UCS2: 70}
PART_LIMIT = {Encoding.GSM7: 153, Encoding.UCS2: 67}
ELLIPSIS = {Encoding.GSM7: "...", Encoding.UCS2: "…"}
DEFAULT_MAX_SEGMENTS = 3


@dataclass(frozen=True, slots=True)
class SmsText:
    """A message ready to send: its text, its alphabet and its parts."""

    text: str
    encoding: Encoding
    segments: tuple[str, ...]


def is_gsm7(char: str) -> bool:
    """Whether one character is in the GSM-7 default or extension table."""
    return char in GSM7_CODES or char in GSM7_EXTENSION_CODES


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character of the text allows it, else UCS-2."""
    if all(is_gsm7(char) for char in text):
        return Encoding.GSM7
    return Encoding.UCS2


def encode_gsm7(text: str) -> bytes:
    """The text's GSM-7 septets, unpacked: one per octet, escapes included."""
    septets = bytearray()
    for char in text:
        if char in GSM7_CODES:
            septets.append(GSM7_CODES[char])
        elif char in GSM7_EXTENSION_CODES:
            septets += bytes((ESCAPE, GSM7_EXTENSION_CODES[char]))
        else:
            raise ValueError(
                f"{char!r} is not in the GSM 03.38 alphabet; send this text as UCS-2."
            )
    return bytes(septets)


def count_units(text: str, encoding: Encoding | None = None) -> int:
    """The text's length in septets (GSM-7) or UTF-16 units (UCS-2)."""
    cost = _unit_cost(encoding or encoding_of(text))
    return sum(cost(char) for char in text)


def segments(text: str) -> list[str]:
    """The text of each part the message is sent in; none for an empty text."""
    encoding = encoding_of(text)
    cost = _unit_cost(encoding)
    if count_units(text, encoding) <= SINGLE_LIMIT[encoding]:
        return [text] if text else []

    limit = PART_LIMIT[encoding]
    parts: list[str] = []
    start = used = 0
    for index, char in enumerate(text):
        if used + cost(char) > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost(char)
    parts.append(text[start:])
    return parts


def count_segments(text: str) -> int:
    """How many parts the message takes; zero for an empty text."""
    return len(segments(text))


def build_sms_text(
    headline: str | None,
    instruction: str | None,
    *,
    extras: Sequence[str] = (),
    footer: str = "",
    max_segments: int = DEFAULT_MAX_SEGMENTS,
) -> SmsText:
    """The headline, the instruction and the extras, one per line, in budget.

    Runs of whitespace become single spaces. Over budget, the instruction
    loses words from its end; when not even its first word fits, extras are
    dropped from the last. The headline is shortened only when it alone is
    over budget. ``footer`` is room kept for a last line that
    ``with_footer`` adds later (give the longest it may be); it is not in the
    text returned.
    """
    if max_segments < 1:
        raise ValueError(f"The segment budget must be at least 1, not {max_segments}.")
    room = _tidy(footer)

    def fits(text: str) -> bool:
        return count_segments(_join(text, room)) <= max_segments

    head = _tidy(headline)
    body = _tidy(instruction)
    tail = [line for line in (_tidy(extra) for extra in extras) if line]
    for kept in range(len(tail), -1, -1):
        lines = tail[:kept]
        full = _join(head, body, *lines)
        if fits(full):
            return _result(full)

        shortened = _shorten(
            _around(head, lines),
            _word_prefixes(body, _longest_fitting(max_segments)),
            fits,
            room,
        )
        if shortened is not None:
            return _result(shortened)

    if fits(head):
        return _result(head)
    return _result(_shorten_headline(head, fits, room, max_segments))


def with_footer(text: str, footer: str) -> SmsText:
    """The text with ``footer`` as its last line, its alphabet and its parts."""
    return _result(_join(text, _tidy(footer)))


def _unit_cost(encoding: Encoding) -> Callable[[str], int]:
    if encoding is Encoding.GSM7:
        return lambda char: 2 if char in GSM7_EXTENSION_CODES else 1
    return lambda char: 2 if ord(char) > 0xFFFF else 1


def _tidy(field: str | None) -> str:
    return " ".join((field or "").split())


def _join(*fields: str) -> str:
    return "\n".join(field for field in fields if field)


def _around(head: str, lines: Sequence[str]) -> Callable[[str], str]:
    """A message with the given part between the headline and the extras."""
    return lambda part: _join(head, part, *lines)


def _longest_fitting(budget: int) -> int:
    """No text longer than this, in characters, fits the budget."""
    return max(SINGLE_LIMIT[Encoding.GSM7], budget * PART_LIMIT[Encoding.GSM7])


def _word_prefixes(field: str, longest: int) -> Iterator[str]:
    """Each run of whole words the field starts with, longest first."""
    for index in range(min(len(field), longest + 1) - 1, 0, -1):
        if field[index] == " ":
            prefix = field[:index].rstrip(" ,;:-")
            if prefix:
                yield prefix


def _shorten(
    compose: Callable[[str], str],
    prefixes: Iterable[str],
    fits: Callable[[str], bool],
    room: str,
) -> str | None:
    """The first prefix, with an ellipsis, whose message fits the budget."""
    for prefix in prefixes:
        ellipsis = ELLIPSIS[encoding_of(_join(compose(prefix), room))]
        text = compose(prefix + ellipsis)
        if fits(text):
            return text
    return None


def _shorten_headline(
    head: str, fits: Callable[[str], bool], room: str, budget: int
) -> str:
    """The headline cut at a word, or within its first word if that is too long."""

    def alone(part: str) -> str:
        return part

    longest = _longest_fitting(budget)
    at_word = _shorten(alone, _word_prefixes(head, longest), fits, room)
    if at_word is not None:
        return at_word
    by_char = (head[:index] for index in range(min(len(head) - 1, longest), 0, -1))
    at_char = _shorten(alone, by_char, fits, room)
    if at_char is None and room:
        raise ValueError(
            f"The footer leaves no room for the alert within {budget} segments; "
            "shorten the footer (its public address) or allow more segments."
        )
    if at_char is None:
        raise AssertionError("a single character and an ellipsis always fit")
    return at_char


def _result(text: str) -> SmsText:
    return SmsText(text, encoding_of(text), tuple(segments(text)))
