"""The administration pages: who may open them, users and their access,
partner keys against the real API, templates through the template store,
GeoJSON uploads through the places importer, and each person's language."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from gateway.accounts import people
from gateway.accounts.models import User
from gateway.db import transaction
from gateway.places.files import MAX_FILE_BYTES
from gateway.places.queries import all_areas
from gateway.protocols.models import StoredTemplate
from gateway.protocols.store import office_template, template_document
from gateway.runtime import runtime
from tests.places.factories import (
    DROP,
    area_feature,
    collection,
    point,
    route_feature,
    shelter_feature,
)
from tests.web.console import (
    AppBuilder,
    add_person,
    csrf_token,
    page_text,
    sign_in,
)
from tests.web.test_security import state_changes

ADMIN_PAGES = [
    "/console/admin",
    "/console/admin/users",
    "/console/admin/keys",
    "/console/admin/templates",
    "/console/admin/templates/new",
    "/console/admin/templates/earthquake",
    "/console/admin/areas",
]
NEW_PASSWORD = "a brand new long passphrase"
SECRET = re.compile(r"ktn_k_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def console(app: Flask, email: str, language: str = "en") -> FlaskClient:
    client = app.test_client()
    client.set_cookie("kentongan_language", language)
    answer = sign_in(client, email)
    assert answer.status_code == 302, page_text(answer)
    return client


def admin(app: Flask) -> tuple[str, FlaskClient]:
    email, _ = add_person(app, "admin")
    return email, console(app, email)


def post_form(
    client: FlaskClient, page: str, action: str, files: Any = None, **fields: Any
) -> TestResponse:
    """Open ``page``, then send the form at ``action`` with its CSRF token."""
    data = {"csrf_token": csrf_token(client.get(page)), **fields}
    if files:
        data.update(files)
        return client.post(action, data=data, content_type="multipart/form-data")
    return client.post(action, data=data)


def user_row(app: Flask, email: str) -> User:
    with transaction(runtime(app).sessions) as db:
        found = people.find_user(db, email)
        assert found is not None
        db.expunge(found)
        return found


def user_action(
    client: FlaskClient, app: Flask, email: str, action: str, **fields: Any
) -> TestResponse:
    user_id = user_row(app, email).id
    return post_form(
        client,
        "/console/admin/users",
        f"/console/admin/users/{user_id}/{action}",
        **fields,
    )


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["author", "approver"])
def test_admin_pages_are_forbidden_to_other_roles(
    app: Flask, path: str, role: str
) -> None:
    email, _ = add_person(app, role)

    answer = console(app, email).get(path)

    assert answer.status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_signed_out_visitors_of_admin_pages_go_to_login(app: Flask, path: str) -> None:
    answer = app.test_client().get(path)

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_open_for_an_administrator(app: Flask, path: str) -> None:
    _, client = admin(app)

    answer = client.get(path)

    assert answer.status_code == 200
    assert 'aria-label="Administration"' in page_text(answer)


def test_an_author_cannot_add_a_user_even_with_a_valid_form(app: Flask) -> None:
    email, _ = add_person(app, "author")
    client = console(app, email)

    answer = post_form(
        client,
        "/console",
        "/console/admin/users",
        email="sneaky@padang.go.id",
        role="admin",
        password=NEW_PASSWORD,
    )

    assert answer.status_code == 403
    with transaction(runtime(app).sessions) as db:
        assert people.find_user(db, "sneaky@padang.go.id") is None


def test_only_administrators_see_the_admin_link(app: Flask) -> None:
    author_email, _ = add_person(app, "author")
    _, admin_client = admin(app)

    for_author = page_text(console(app, author_email).get("/console"))
    for_admin = page_text(admin_client.get("/console"))

    assert 'href="/console/admin"' in for_admin
    assert 'href="/console/admin"' not in for_author


def test_added_user_signs_in_with_the_given_password(app: Flask) -> None:
    _, client = admin(app)

    added = post_form(
        client,
        "/console/admin/users",
        "/console/admin/users",
        email="Rina@Padang.go.id",
        role="approver",
        password=NEW_PASSWORD,
    )
    listed = page_text(client.get("/console/admin/users"))

    assert added.status_code == 303
    assert "rina@padang.go.id was added." in listed
    assert user_row(app, "rina@padang.go.id").role == "approver"
    assert (
        sign_in(app.test_client(), "rina@padang.go.id", NEW_PASSWORD).status_code == 302
    )


def test_a_generated_password_is_shown_once_and_works(app: Flask) -> None:
    _, client = admin(app)

    added = post_form(
        client,
        "/console/admin/users",
        "/console/admin/users",
        email="dodi@padang.go.id",
        role="author",
        password="",
    )
    shown = re.search(r'<code class="secret-value">([^<]+)</code>', page_text(added))
    later = page_text(client.get("/console/admin/users"))

    assert added.status_code == 201
    assert shown is not None
    assert len(shown.group(1)) >= 20
    assert shown.group(1) not in later
    assert (
        sign_in(app.test_client(), "dodi@padang.go.id", shown.group(1)).status_code
        == 302
    )


def test_a_refused_new_user_is_explained_and_not_stored(app: Flask) -> None:
    _, client = admin(app)

    answer = post_form(
        client,
        "/console/admin/users",
        "/console/admin/users",
        email="eka@padang.go.id",
        role="author",
        password="short",
    )

    assert answer.status_code == 422
    assert "use at least 12" in page_text(answer)
    with transaction(runtime(app).sessions) as db:
        assert people.find_user(db, "eka@padang.go.id") is None


def test_changing_a_role_changes_what_the_person_may_do(app: Flask) -> None:
    email, _ = add_person(app, "author")
    _, client = admin(app)

    answer = user_action(client, app, email, "role", role="approver")
    page = page_text(client.get("/console/admin/users"))

    assert answer.status_code == 303
    assert user_row(app, email).role == "approver"
    assert f"{email} is now: Approver." in page


def test_disabling_ends_the_session_and_enabling_restores_sign_in(app: Flask) -> None:
    email, _ = add_person(app, "author")
    theirs = console(app, email)
    _, client = admin(app)

    user_action(client, app, email, "disable")
    after_disable = theirs.get("/console")
    refused = sign_in(app.test_client(), email)
    user_action(client, app, email, "enable")

    assert after_disable.status_code == 302
    assert after_disable.headers["Location"].startswith("/login")
    assert refused.status_code == 401
    assert sign_in(app.test_client(), email).status_code == 302


def test_a_new_password_ends_the_session_and_replaces_the_old_one(app: Flask) -> None:
    email, _ = add_person(app, "author")
    theirs = console(app, email)
    _, client = admin(app)

    answer = user_action(client, app, email, "password", password=NEW_PASSWORD)

    assert answer.status_code == 303
    assert theirs.get("/console").status_code == 302
    assert sign_in(app.test_client(), email).status_code == 401
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("action", "fields"),
    [("role", {"role": "approver"}), ("disable", {})],
    ids=["demote", "disable"],
)
def test_the_last_administrator_cannot_remove_themself(
    app: Flask, action: str, fields: dict[str, str]
) -> None:
    email, client = admin(app)

    user_action(client, app, email, action, **fields)
    page = page_text(client.get("/console/admin/users"))

    assert "is the only active administrator" in page
    stored = user_row(app, email)
    assert stored.role == "admin"
    assert stored.disabled_at is None


def test_an_administrator_may_step_down_when_another_remains(app: Flask) -> None:
    email, client = admin(app)
    add_person(app, "admin")

    user_action(client, app, email, "role", role="author")

    assert user_row(app, email).role == "author"
    assert client.get("/console/admin/users").status_code == 403


def create_key(
    client: FlaskClient, organisation: str, scope: str = "read"
) -> TestResponse:
    post_form(
        client, "/console/admin/keys", "/console/admin/organisations", name=organisation
    )
    page = page_text(client.get("/console/admin/keys"))
    option = re.search(
        rf'<option value="(\d+)">{re.escape(organisation)}</option>', page
    )
    assert option is not None, page
    return post_form(
        client,
        "/console/admin/keys",
        "/console/admin/keys",
        organisation=option.group(1),
        scope=scope,
        senders="info@bmkg.go.id",
        label="warning system",
    )


def test_a_new_key_is_shown_once_and_works_until_revoked(app: Flask) -> None:
    _, client = admin(app)

    created = create_key(client, "BMKG")
    secret_match = SECRET.search(page_text(created))
    assert secret_match is not None
    secret = secret_match.group(0)
    listed = page_text(client.get("/console/admin/keys"))
    headers = {"Authorization": f"Bearer {secret}"}
    works = app.test_client().get("/api/v1/alerts", headers=headers)
    key_id = re.search(r"/console/admin/keys/(\d+)/revoke", listed)
    assert key_id is not None
    post_form(
        client, "/console/admin/keys", f"/console/admin/keys/{key_id.group(1)}/revoke"
    )
    revoked = app.test_client().get("/api/v1/alerts", headers=headers)

    assert created.status_code == 201
    assert "shown only this once" in page_text(created)
    assert secret not in listed
    assert f"ktn_k_{secret.split('_')[2]}_…" in listed
    assert "info@bmkg.go.id" in listed
    assert works.status_code == 200
    assert revoked.status_code == 401


def test_a_key_with_a_bad_sender_is_refused(app: Flask) -> None:
    _, client = admin(app)
    post_form(
        client, "/console/admin/keys", "/console/admin/organisations", name="BNPB"
    )
    page = page_text(client.get("/console/admin/keys"))
    option = re.search(r'<option value="(\d+)">BNPB</option>', page)
    assert option is not None

    answer = post_form(
        client,
        "/console/admin/keys",
        "/console/admin/keys",
        organisation=option.group(1),
        scope="submit",
        senders="a<b",
    )

    assert answer.status_code == 422
    assert "is not a CAP sender" in page_text(answer)
    assert SECRET.search(page_text(answer)) is None


def template_fields(template_key: str, app: Flask, **changes: Any) -> dict[str, Any]:
    """The edit form of a template as the page fills it, with ``changes``."""
    with transaction(runtime(app).sessions) as db:
        template = office_template(db, template_key)
        assert template is not None
        document = template_document(template)
    fields: dict[str, Any] = {
        "name-id": document["names"]["id"],
        "name-en": document["names"]["en"],
        "status": document["status"],
        "categories": document["categories"],
        "responseTypes": document["responseTypes"],
        "urgency": document["urgency"],
        "severity": document["severity"],
        "certainty": document["certainty"],
        "expiresHours": str(document["expiresHours"]),
    }
    for language, words in document["texts"].items():
        for name, text in words.items():
            fields[f"text-{language}-{name}"] = text
    fields.update(changes)
    return fields


def stored_template_count(app: Flask) -> int:
    with transaction(runtime(app).sessions) as db:
        return int(db.scalar(select(func.count()).select_from(StoredTemplate)) or 0)


def test_editing_a_template_changes_what_staff_compose_from(app: Flask) -> None:
    _, client = admin(app)
    page = "/console/admin/templates/earthquake"
    fields = template_fields(
        "earthquake",
        app,
        **{"text-id-ID-headline": "Gempa kuat di {area}", "expiresHours": "4"},
    )

    answer = post_form(client, page, page, **fields)

    assert answer.status_code == 303
    with transaction(runtime(app).sessions) as db:
        template = office_template(db, "earthquake")
        assert template is not None
        assert template.texts["id-ID"]["headline"] == "Gempa kuat di {area}"
        assert template.expires_hours == 4.0
        assert office_template(db, "tsunami") is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text-id-ID-headline": ""}, "texts.id-ID.headline must be a non-empty text."),
        ({"expiresHours": "forever"}, "expiresHours must be a number of hours"),
        ({"urgency": "Whenever"}, "urgency must be one of Immediate"),
        ({"categories": []}, "categories must be a non-empty list of texts."),
    ],
    ids=["empty-headline", "hours-not-a-number", "unknown-urgency", "no-category"],
)
def test_a_bad_template_shows_the_error_and_stores_nothing(
    app: Flask, changes: dict[str, Any], message: str
) -> None:
    _, client = admin(app)
    page = "/console/admin/templates/earthquake"

    answer = post_form(
        client, page, page, **template_fields("earthquake", app, **changes)
    )

    assert answer.status_code == 422
    assert "The template was not saved:" in page_text(answer)
    assert message in page_text(answer)
    assert stored_template_count(app) == 0


def test_a_new_template_is_added_and_can_be_deleted(app: Flask) -> None:
    _, client = admin(app)
    fields = template_fields(
        "earthquake",
        app,
        key="chemical-spill",
        **{"name-en": "Chemical spill", "name-id": "Tumpahan bahan kimia"},
    )

    added = post_form(
        client, "/console/admin/templates/new", "/console/admin/templates/new", **fields
    )
    listed = page_text(client.get("/console/admin/templates"))
    deleted = post_form(
        client,
        "/console/admin/templates",
        "/console/admin/templates/chemical-spill/delete",
    )

    assert added.status_code == 303, page_text(added)
    assert "/console/admin/templates/chemical-spill" in listed
    assert deleted.status_code == 303
    with transaction(runtime(app).sessions) as db:
        assert office_template(db, "chemical-spill") is None
        assert office_template(db, "earthquake") is not None


def test_a_new_template_may_not_take_an_existing_key(app: Flask) -> None:
    _, client = admin(app)
    fields = template_fields("earthquake", app, key="tsunami")

    answer = post_form(
        client, "/console/admin/templates/new", "/console/admin/templates/new", **fields
    )

    assert answer.status_code == 422
    assert "A template with this key exists" in page_text(answer)
    assert stored_template_count(app) == 0


def upload(
    client: FlaskClient, action: str, content: bytes, **fields: str
) -> TestResponse:
    files = {"file": (io.BytesIO(content), "places.geojson")}
    return post_form(client, "/console/admin/areas", action, files=files, **fields)


def geojson(*features: Any) -> bytes:
    return json.dumps(collection(*features)).encode()


def test_an_area_upload_shows_counts_and_each_rejection(app: Flask) -> None:
    _, client = admin(app)
    content = geojson(
        area_feature(),
        area_feature(code="1371030", name=DROP),
    )

    answer = upload(client, "/console/admin/areas/import", content)
    listed = page_text(client.get("/console/admin/areas"))

    page = page_text(answer)
    assert answer.status_code == 200
    assert "Areas: 1 added, 0 updated, 0 unchanged" in page
    assert "1 of 2 features rejected" in page
    rejection = re.search(r"<tr>\s*<td>1</td>\s*<td>1371030</td>\s*<td>([^<]+)", page)
    assert rejection is not None
    assert "name" in rejection.group(1)
    assert "<code>1371020</code></td><td>Kecamatan Uji</td>" in listed
    with transaction(runtime(app).sessions) as db:
        assert [area.code for area in all_areas(db)] == ["1371020"]


def test_a_shelter_upload_goes_through_the_importer(app: Flask) -> None:
    _, client = admin(app)
    content = geojson(
        shelter_feature(),
        route_feature(),
        route_feature(id="RT-2", shelter="SH-404"),
    )

    answer = upload(client, "/console/admin/shelters/import", content)

    page = page_text(answer)
    assert "Shelters: 1 added" in page
    assert "Evacuation routes: 1 added" in page
    assert "1 of 3 features rejected" in page
    assert "SH-404" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file is not JSON"),
        (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        (b" " * (MAX_FILE_BYTES + 1), "The file is larger than 50 MB"),
    ],
    ids=["not-json", "not-a-collection", "too-large"],
)
def test_an_unusable_upload_is_explained(
    app: Flask, content: bytes, message: str
) -> None:
    _, client = admin(app)

    answer = upload(client, "/console/admin/areas/import", content)

    assert answer.status_code == 400
    assert message in page_text(answer)


def test_an_upload_beyond_the_request_limit_gets_a_page_not_a_bare_413(
    app: Flask,
) -> None:
    _, client = admin(app)

    answer = upload(
        client, "/console/admin/areas/import", b" " * (MAX_FILE_BYTES + 70_000)
    )
    page = page_text(client.get("/console/admin/areas"))

    assert answer.status_code == 303
    assert "The file is larger than 50 MB" in page


def test_the_language_chosen_while_signed_in_follows_the_person(app: Flask) -> None:
    email, _ = add_person(app, "author")
    client = console(app, email, language="id")

    token = csrf_token(client.get("/console"))
    client.post(
        "/language", data={"csrf_token": token, "language": "en", "next": "/console"}
    )
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    after_sign_out = page_text(client.get("/login"))
    elsewhere = app.test_client()
    elsewhere.set_cookie("kentongan_language", "id")
    sign_in(elsewhere, email)
    dashboard = page_text(elsewhere.get("/console"))

    assert user_row(app, email).language == "en"
    assert "Sign in to the console" in after_sign_out
    assert "<h1>Dashboard</h1>" in dashboard
    assert elsewhere.get_cookie("kentongan_language").value == "en"  # type: ignore[union-attr]


def test_signed_out_visitors_keep_the_cookie_choice(app: Flask) -> None:
    email, _ = add_person(app, "author")
    client = app.test_client()
    token = csrf_token(client.get("/login"))

    client.post(
        "/language", data={"csrf_token": token, "language": "en", "next": "/login"}
    )

    assert "Sign in to the console" in page_text(client.get("/login"))
    assert user_row(app, email).language is None


def test_unlock_lets_a_locked_out_person_sign_in_at_once(make_app: AppBuilder) -> None:
    app = make_app(CONSOLE_LOGIN_ACCOUNT_LIMIT="2 per 15 minutes")
    email, _ = add_person(app, "author")
    person = app.test_client()
    person.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    sign_in(person, email, "wrong guess 1")
    sign_in(person, email, "wrong guess 2")
    assert sign_in(person, email).status_code == 429
    _, client = admin(app)

    answer = user_action(client, app, email, "unlock")

    assert answer.status_code == 303
    assert sign_in(person, email).status_code == 302


def test_admin_actions_are_covered_by_the_csrf_walk(app: Flask) -> None:
    found = {endpoint for endpoint, _, _ in state_changes(app)}

    assert {
        "console.admin_add_user",
        "console.admin_change_role",
        "console.admin_disable",
        "console.admin_enable",
        "console.admin_password",
        "console.admin_unlock",
        "console.admin_create_key",
        "console.admin_revoke_key",
        "console.admin_add_organisation",
        "console.admin_template",
        "console.admin_new_template",
        "console.admin_delete_template",
        "console.admin_import_areas",
        "console.admin_import_shelters",
    } <= found


def test_text_people_type_stays_inert(app: Flask) -> None:
    _, client = admin(app)
    hostile = '<img src=x onerror="alert(1)">'
    post_form(
        client, "/console/admin/keys", "/console/admin/organisations", name=hostile
    )
    fields = template_fields("earthquake", app, **{"name-en": hostile})
    page = "/console/admin/templates/earthquake"
    post_form(client, page, page, **fields)
    content = geojson(area_feature(geometry=point(-0.8, 100.3), code=hostile))
    uploaded = page_text(upload(client, "/console/admin/areas/import", content))

    for shown in (
        page_text(client.get("/console/admin/keys")),
        page_text(client.get("/console/admin/templates")),
        uploaded,
    ):
        assert hostile not in shown
        assert "&lt;img src=x onerror=" in shown
