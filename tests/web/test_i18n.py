"""The console in Indonesian (the default) and English: the switch, the
catalogues and their compilation."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gateway.web.i18n import SOURCE_FOLDER, compile_catalogues, read_catalogue
from tests.web.console import add_person, csrf_token, page_text, sign_in

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def choose(
    client: FlaskClient, language: str, next_url: str = "/login"
) -> TestResponse:
    page = client.get("/login")
    return client.post(
        "/language",
        data={"csrf_token": csrf_token(page), "language": language, "next": next_url},
    )


def test_login_page_is_in_indonesian_by_default(app: Flask) -> None:
    page = page_text(app.test_client().get("/login"))

    assert '<html lang="id">' in page
    assert "Masuk ke konsol" in page
    assert "Sign in to the console" not in page


def test_browser_language_does_not_override_the_default(app: Flask) -> None:
    answer = app.test_client().get("/login", headers={"Accept-Language": "en-US"})

    assert "Masuk ke konsol" in page_text(answer)


def test_switching_to_english_and_back(app: Flask) -> None:
    client = app.test_client()

    to_english = choose(client, "en")
    in_english = page_text(client.get("/login"))
    choose(client, "id")
    in_indonesian = page_text(client.get("/login"))

    assert to_english.status_code == 302
    assert to_english.headers["Location"] == "/login"
    assert '<html lang="en">' in in_english
    assert "Sign in to the console" in in_english
    assert "Email address" in in_english
    assert "Masuk ke konsol" in in_indonesian
    assert "Alamat email" in in_indonesian


def test_chosen_language_survives_signing_in(app: Flask) -> None:
    email, _ = add_person(app, "approver")
    client = app.test_client()
    choose(client, "en")

    sign_in(client, email)
    dashboard = page_text(client.get("/console"))

    assert "<h1>Dashboard</h1>" in dashboard
    assert "Sign out" in dashboard


def test_dashboard_is_in_indonesian_by_default(app: Flask) -> None:
    email, _ = add_person(app, "approver")
    client = app.test_client()
    sign_in(client, email)

    dashboard = page_text(client.get("/console"))

    assert "<h1>Dasbor</h1>" in dashboard
    assert "Tidak ada peringatan yang sedang tayang." in dashboard
    assert "Keluar" in dashboard


def test_unknown_language_is_ignored(app: Flask) -> None:
    client = app.test_client()

    answer = choose(client, "fr")

    assert "kentongan_language" not in answer.headers.get("Set-Cookie", "")
    assert "Masuk ke konsol" in page_text(client.get("/login"))


def test_language_switch_never_leaves_the_site(app: Flask) -> None:
    answer = choose(app.test_client(), "en", next_url="https://evil.example/")

    assert answer.headers["Location"] == "/console"


def test_every_console_text_has_an_indonesian_translation() -> None:
    wanted = {
        message_id if isinstance(message_id, str) else message_id[0]
        for _, _, message_id, _, _ in extract_from_dir(
            SOURCE_FOLDER.parent, METHODS, keywords=KEYWORDS
        )
    }
    catalogues = {language: catalogue_texts(language) for language in ("id", "en")}

    assert len(wanted) > 40
    missing = sorted(text for text in wanted if not catalogues["id"].get(text))
    assert missing == []
    assert sorted(wanted - set(catalogues["en"])) == []


def test_catalogues_are_compiled_when_missing_or_older(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "compiled"
    shutil.copytree(SOURCE_FOLDER, source)
    mo_path = target / "id" / "LC_MESSAGES" / "messages.mo"

    compile_catalogues(source, target)
    first = mo_path.stat().st_mtime_ns
    compile_catalogues(source, target)
    unchanged = mo_path.stat().st_mtime_ns
    po_path = source / "id" / "LC_MESSAGES" / "messages.po"
    os.utime(po_path, ns=(first + 10**9, first + 10**9))
    compile_catalogues(source, target)

    assert (target / "en" / "LC_MESSAGES" / "messages.mo").exists()
    assert unchanged == first
    assert mo_path.stat().st_mtime_ns > first


def catalogue_texts(language: str) -> dict[str, str]:
    folder = SOURCE_FOLDER / language / "LC_MESSAGES"
    found = {}
    for message in read_catalogue(sorted(folder.glob("*.po")), language):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        found[key] = text
    return found


def test_no_text_is_translated_in_two_catalogue_files() -> None:
    for language in ("id", "en"):
        seen: dict[str, str] = {}
        twice = []
        for po_path in sorted((SOURCE_FOLDER / language / "LC_MESSAGES").glob("*.po")):
            with po_path.open("rb") as po_file:
                for message in read_po(po_file):
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    if key and key in seen:
                        twice.append((key, seen[key], po_path.name))
                    seen[key] = po_path.name

        assert twice == []
