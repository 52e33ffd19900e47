"""Plain words for residents for CAP's coded values: severity, urgency,
certainty and the kind of message. Unknown codes are shown as they are."""

from __future__ import annotations

from flask_babel import lazy_gettext

SEVERITY_WORDS = {
    "Extreme": lazy_gettext("Extreme danger"),
    "Severe": lazy_gettext("Severe danger"),
    "Moderate": lazy_gettext("Moderate danger"),
    "Minor": lazy_gettext("Minor danger"),
    "Unknown": lazy_gettext("Danger not known"),
}
SEVERITY_MEANINGS = {
    "Extreme": lazy_gettext("An extraordinary threat to life or property."),
    "Severe": lazy_gettext("A significant threat to life or property."),
    "Moderate": lazy_gettext("A possible threat to life or property."),
    "Minor": lazy_gettext("Little or no known threat to life or property."),
    "Unknown": lazy_gettext("How dangerous it is, is not known yet."),
}
URGENCY_WORDS = {
    "Immediate": lazy_gettext("Act now."),
    "Expected": lazy_gettext("Act soon, within the next hour."),
    "Future": lazy_gettext("Act in the near future."),
    "Past": lazy_gettext("No action is needed any more."),
    "Unknown": lazy_gettext("When to act is not known yet."),
}
CERTAINTY_WORDS = {
    "Observed": lazy_gettext("It is happening or has happened."),
    "Likely": lazy_gettext("It is likely to happen."),
    "Possible": lazy_gettext("It may happen, but is not likely."),
    "Unlikely": lazy_gettext("It is not expected to happen."),
    "Unknown": lazy_gettext("Whether it will happen is not known."),
}
MESSAGE_WORDS = {
    "Alert": lazy_gettext("First warning"),
    "Update": lazy_gettext("Update"),
    "Cancel": lazy_gettext("Cancelled"),
}
DRILL_WORDS = {
    "Exercise": lazy_gettext("DRILL"),
    "Test": lazy_gettext("TEST"),
}
WORDS = {
    "severity": SEVERITY_WORDS,
    "severity_meaning": SEVERITY_MEANINGS,
    "urgency": URGENCY_WORDS,
    "certainty": CERTAINTY_WORDS,
    "message": MESSAGE_WORDS,
    "drill": DRILL_WORDS,
}


def word_for(kind: str, code: str) -> str:
    """The plain word for ``code`` of ``kind``, or the code itself."""
    found = WORDS[kind].get(code)
    return str(found) if found is not None else code
