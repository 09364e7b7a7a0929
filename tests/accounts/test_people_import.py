import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import PeopleImport, Team, User
from accounts.people_import import ImportRow, parse_people_csv, people_import_plan
from micromastery.common.errors import ApplicationError
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,team,manager email,time zone"


def csv_bytes(*lines, header=HEADER):
    return ("\n".join([header, *lines]) + "\n").encode()


def plan_for(organization, *lines, header=HEADER):
    return people_import_plan(
        organization=organization, rows=parse_people_csv(csv_bytes(*lines, header=header))
    )


def reasons_by_line(plan):
    return {row.line: " ".join(row.reasons) for row in plan.rejected_rows}


def upload(organization, by, content, file_name="people.csv"):
    return services.people_import_create(
        organization=organization,
        uploaded_by=by,
        file_name=file_name,
        rows=parse_people_csv(content),
    )


def import_now(organization, by, content):
    return services.people_import_apply(people_import=upload(organization, by, content), by=by)


def generated_csv(count, *, team="Field", manager="lead@acme.example"):
    lines = [f"lead@acme.example,Lead Person,{team},,Europe/Paris"]
    lines += [
        f"person{index}@acme.example,Person {index},{team},{manager},Europe/Berlin"
        for index in range(count - 1)
    ]
    return csv_bytes(*lines)


# --- Reading the file -----------------------------------------------------------------------


def test_parse_people_csv_reads_bom_semicolons_and_header_spellings():
    content = (
        "\ufeffE-mail;Name;Team;Manager_Email;Timezone\n"
        "ada@acme.example;Ada  Lovelace;Dispatch;;UTC\n"
    )
    rows = parse_people_csv(content.encode("utf-8"))
    assert rows == [
        ImportRow(
            line=2,
            email="ada@acme.example",
            name="Ada Lovelace",
            team="Dispatch",
            manager_email="",
            time_zone="UTC",
        )
    ]


def test_parse_people_csv_accepts_quoted_commas_and_skips_blank_lines():
    rows = parse_people_csv(csv_bytes('ada@acme.example,"Lovelace, Ada",,,', "", ",,,,"))
    assert [(row.line, row.name) for row in rows] == [(2, "Lovelace, Ada")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,team\nAda,Dispatch\n", "“email” is missing"),
        (
            b"email,name,department\na@acme.example,Ada,Ops\n",
            "Unknown or repeated column “department”",
        ),
        (b"", "The file is empty"),
        ("email,name\nzoë@acme.example,Zoë\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_parse_people_csv_refuses_a_file_it_cannot_read(content, message):
    with pytest.raises(ApplicationError, match=message):
        parse_people_csv(content)


def test_parse_people_csv_flags_a_line_with_too_many_cells():
    rows = parse_people_csv(csv_bytes("ada@acme.example,Lovelace, Ada,Dispatch,,UTC,extra"))
    assert "put quotes around a name" in rows[0].problem


# --- The preview (plan) ---------------------------------------------------------------------


def test_people_import_plan_says_what_happens_to_each_line(organization, learner, team):
    learner.display_name = "Old Name"
    learner.save()
    plan = plan_for(
        organization,
        "new@acme.example,New Person,Dispatch,manager@acme.example,Europe/Paris",
        f"{learner.email},Renamed Learner,Dispatch,,",
        "manager@acme.example,Manager,,,",
    )
    outcomes = {row.email: (row.outcome, row.changes) for row in plan.rows}
    assert outcomes["new@acme.example"] == (
        "create",
        ["New person, time zone Europe/Paris.", "Joins the team Dispatch."],
    )
    assert outcomes[learner.email] == ("update", ["Name: Old Name → Renamed Learner."])
    assert outcomes["manager@acme.example"][0] in {"update", "unchanged"}
    assert plan.can_apply


def test_people_import_plan_writes_nothing(organization, org_admin):
    before = (User.objects.count(), Team.objects.count())
    plan_for(organization, "new@acme.example,New,Brand new team,,")
    assert (User.objects.count(), Team.objects.count()) == before


def test_people_import_plan_lists_unknown_teams_to_create_once(organization, team):
    plan = plan_for(
        organization,
        "a@acme.example,A,Sales,,",
        "b@acme.example,B,  sales ,,",
        "c@acme.example,C,dispatch,,",
    )
    assert plan.teams_to_create == {"sales": "Sales"}
    assert [row.changes[-1] for row in plan.rows] == [
        "Joins the team Sales (a new team).",
        "Joins the team Sales (a new team).",
        "Joins the team Dispatch.",
    ]


def test_people_import_plan_rejects_each_bad_line_with_its_reason(organization, outsider):
    plan = plan_for(
        organization,
        "not-an-email,Broken,,,",
        "dup@acme.example,First,,,",
        "dup@acme.example,Second,,,",
        "noname@acme.example,,,,",
        f"{outsider.email},Outsider,,,",
        "tz@acme.example,Zone,,,Europe/Berln",
        "ghost@acme.example,Ghost,Dispatch,nobody@acme.example,",
        f"poached@acme.example,Poached,Dispatch,{outsider.email},",
        "teamless@acme.example,Teamless,,dup@acme.example,",
    )
    reasons = reasons_by_line(plan)
    assert reasons == {
        2: "“not-an-email” is not a valid email address.",
        4: "Same email as line 3: list each person once.",
        5: "The name is missing.",
        6: "This email belongs to another organization.",
        7: "“Europe/Berln” is not a time zone. Use a name such as Europe/Berlin or "
        "America/New_York.",
        8: "The manager nobody@acme.example is neither in your organization nor in this file: "
        "add a line for them or correct the email.",
        9: f"The manager {outsider.email} belongs to another organization.",
        10: "A manager needs a team: fill in the team, or leave the manager email empty.",
    }
    assert not plan.can_apply


def test_people_import_plan_matches_time_zones_whatever_their_case(organization):
    plan = plan_for(organization, "a@acme.example,A,,,europe/berlin")
    assert plan.rows[0].time_zone == "Europe/Berlin"


# --- Applying -------------------------------------------------------------------------------


def test_people_import_apply_creates_people_teams_and_managers(
    organization, org_admin, learner, team, django_capture_on_commit_callbacks, mailoutbox
):
    content = csv_bytes(
        "boss@acme.example,Big Boss,Sales,,America/New_York",
        "seller@acme.example,Sam Seller,Sales,boss@acme.example,Europe/Paris",
        f"{learner.email},{learner.display_name},Sales,,",
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = import_now(organization, org_admin, content)

    assert (result.created, result.updated, result.unchanged, result.teams_created) == (2, 1, 0, 1)
    sales = Team.objects.get(organization=organization, name="Sales")
    assert set(sales.members.values_list("email", flat=True)) == {
        "boss@acme.example",
        "seller@acme.example",
        learner.email,
    }
    assert list(sales.managers.values_list("email", flat=True)) == ["boss@acme.example"]
    seller = User.objects.get(email="seller@acme.example")
    assert (seller.organization, seller.display_name, seller.time_zone) == (
        organization,
        "Sam Seller",
        "Europe/Paris",
    )
    assert not seller.has_usable_password()
    assert not seller.is_author
    assert not seller.is_org_admin
    # Joining Sales never takes the learner out of the team they were in.
    assert learner in team.members.all()
    assert sorted(message.to[0] for message in mailoutbox) == [
        "boss@acme.example",
        "seller@acme.example",
    ]


def test_people_import_apply_same_file_again_changes_nothing_and_sends_nothing(
    organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    content = csv_bytes(
        "boss@acme.example,Big Boss,Sales,,",
        "seller@acme.example,Sam Seller,Sales,boss@acme.example,Europe/Paris",
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_now(organization, org_admin, content)
    assert len(mailoutbox) == 2

    again = upload(organization, org_admin, content)
    plan = people_import_plan(
        organization=organization, rows=[ImportRow.from_dict(row) for row in again.rows]
    )
    assert [row.outcome for row in plan.rows] == ["unchanged", "unchanged"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = services.people_import_apply(people_import=again, by=org_admin)
    assert (result.created, result.updated, result.unchanged, result.teams_created) == (0, 0, 2, 0)
    assert callbacks == []
    assert len(mailoutbox) == 2


def test_people_import_apply_twice_is_a_no_op_the_second_time(
    organization, org_admin, django_capture_on_commit_callbacks, mailoutbox
):
    people_import = upload(organization, org_admin, csv_bytes("new@acme.example,New,,,"))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.people_import_apply(people_import=people_import, by=org_admin)
        second = services.people_import_apply(people_import=people_import, by=org_admin)
    assert first.created == 1
    assert second.already_applied
    assert second.created == 1
    assert User.objects.filter(email="new@acme.example").count() == 1
    assert len(mailoutbox) == 1


def test_people_import_apply_with_a_rejected_line_changes_nothing(
    organization, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    people_import = upload(
        organization,
        org_admin,
        csv_bytes("fine@acme.example,Fine,New team,,", "broken,Broken,,,"),
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ApplicationError, match=r"1 line needs fixing first \(line 3\)"),
    ):
        services.people_import_apply(people_import=people_import, by=org_admin)
    assert not User.objects.filter(email="fine@acme.example").exists()
    assert not Team.objects.filter(name="New team").exists()
    people_import.refresh_from_db()
    assert people_import.applied_at is None
    assert mailoutbox == []


def test_people_import_apply_never_touches_another_organizations_team(
    organization, org_admin, other_team, outsider
):
    result = import_now(organization, org_admin, csv_bytes("a@acme.example,A,Globex ops,,"))
    assert result.teams_created == 1
    own = Team.objects.get(organization=organization, name="Globex ops")
    assert list(own.members.values_list("email", flat=True)) == ["a@acme.example"]
    assert list(other_team.members.all()) == [outsider]


def test_people_import_apply_rejects_emails_of_another_organization(
    organization, org_admin, outsider
):
    people_import = upload(organization, org_admin, csv_bytes(f"{outsider.email},Taken Over,,,"))
    with pytest.raises(ApplicationError):
        services.people_import_apply(people_import=people_import, by=org_admin)
    outsider.refresh_from_db()
    assert outsider.display_name != "Taken Over"
    assert outsider.organization.slug == "globex"


def test_people_import_create_refuses_a_file_without_people(organization, org_admin):
    with pytest.raises(ApplicationError, match="no people"):
        upload(organization, org_admin, csv_bytes())


# --- Query counts and size ------------------------------------------------------------------


@pytest.fixture
def full_sqlite_parameter_limit():
    """Let Django 5.2 batch SQLite inserts by SQLite's real parameter limit.

    Django 5.2 assumes SQLite's historical 999 parameters per statement and splits bulk
    inserts into ~70-row statements; SQLite 3.32+ allows 32,766 and Django 6.0 reads the
    real limit (ticket #36143). PostgreSQL needs nothing. Without this the count below would
    measure Django's batching rather than whether the import makes one query per row.
    """
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    features = connection.features
    original = features.max_query_params
    features.max_query_params = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    try:
        yield
    finally:
        features.max_query_params = original


@pytest.mark.parametrize("size", [10, 500])
def test_people_import_query_count_does_not_grow_with_rows(
    organization,
    org_admin,
    size,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    full_sqlite_parameter_limit,
):
    TeamFactory(organization=organization, name="Field")
    rows = parse_people_csv(generated_csv(size))
    with django_assert_num_queries(4):
        plan = people_import_plan(organization=organization, rows=rows)
    assert plan.counts["create"] == size

    people_import = services.people_import_create(
        organization=organization, uploaded_by=org_admin, file_name="people.csv", rows=rows
    )
    # Lock, plan (4), teams, people, memberships, managers, mark applied, plus the savepoint
    # pair of the atomic block.
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(12):
        result = services.people_import_apply(people_import=people_import, by=org_admin)
    assert result.created == size

    # The same file again: everyone unchanged, the same reads and no writes.
    again = services.people_import_create(
        organization=organization, uploaded_by=org_admin, file_name="people.csv", rows=rows
    )
    with django_assert_num_queries(4):
        plan = people_import_plan(organization=organization, rows=rows)
    assert plan.counts["unchanged"] == size
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.people_import_apply(people_import=again, by=org_admin)
    assert (result.created, result.unchanged) == (0, size)
    assert callbacks == []


def test_people_import_ten_thousand_rows(
    organization, org_admin, django_capture_on_commit_callbacks
):
    content = generated_csv(10_000)
    people_import = upload(organization, org_admin, content)
    plan = people_import_plan(
        organization=organization, rows=[ImportRow.from_dict(row) for row in people_import.rows]
    )
    assert plan.counts == {"create": 10_000, "update": 0, "unchanged": 0, "rejected": 0}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.people_import_apply(people_import=people_import, by=org_admin)
    assert (result.created, result.teams_created) == (10_000, 1)
    assert len(callbacks) == 1
    field = Team.objects.get(organization=organization, name="Field")
    assert field.members.count() == 10_000
    assert list(field.managers.values_list("email", flat=True)) == ["lead@acme.example"]
    assert User.objects.filter(organization=organization).count() == 10_001

    renamed = content.decode().replace("Person 9998,", "Person Renamed,").encode()
    plan = people_import_plan(organization=organization, rows=parse_people_csv(renamed))
    assert plan.counts == {"create": 0, "update": 1, "unchanged": 9_999, "rejected": 0}


# --- Pages in the admin ---------------------------------------------------------------------


def csv_upload(content, name="people.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_pages_people_changelist_has_the_import_button(client, org_admin):
    client.force_login(org_admin)
    content = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Import people from CSV" in content
    assert reverse("admin:accounts_user_import") in content


def test_import_pages_upload_shows_the_format_and_an_example(client, org_admin):
    client.force_login(org_admin)
    content = client.get(reverse("admin:accounts_user_import")).content.decode()
    assert "manager email" in content
    assert "time zone" in content
    assert 'name="organization"' not in content
    response = client.get(reverse("admin:accounts_user_import_example"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = parse_people_csv(response.content)
    assert len(rows) == 3


def test_import_pages_upload_preview_confirm(
    client, org_admin, organization, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:accounts_user_import"),
        {"file": csv_upload(csv_bytes("new@acme.example,New Person,Sales,,Europe/Paris"))},
    )
    assert response.status_code == 302
    people_import = PeopleImport.objects.get()
    assert people_import.organization == organization
    preview_url = reverse("admin:accounts_user_import_preview", args=[people_import.pk])
    assert response["Location"] == preview_url

    content = client.get(preview_url).content.decode()
    assert "Team “Sales” will be created" in content
    assert "new@acme.example" in content
    assert "Confirm the import" in content
    assert not User.objects.filter(email="new@acme.example").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(preview_url, follow=True)
        again = client.post(preview_url, follow=True)
    assert "1 created, 0 updated, 0 unchanged, 1 new team." in response.content.decode()
    assert "already applied: nothing changed" in again.content.decode()
    assert User.objects.get(email="new@acme.example").organization == organization
    assert [message.to for message in mailoutbox] == [["new@acme.example"]]


def test_import_pages_preview_with_rejected_lines_cannot_be_confirmed(
    client, org_admin, organization
):
    client.force_login(org_admin)
    client.post(
        reverse("admin:accounts_user_import"),
        {"file": csv_upload(csv_bytes("fine@acme.example,Fine,,,", "broken,Broken,,,"))},
    )
    preview_url = reverse(
        "admin:accounts_user_import_preview", args=[PeopleImport.objects.get().pk]
    )
    content = client.get(preview_url).content.decode()
    assert "Lines to fix" in content
    assert "“broken” is not a valid email address." in content
    assert "Confirm the import" not in content

    response = client.post(preview_url, follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert not User.objects.filter(email="fine@acme.example").exists()


def test_import_pages_unreadable_file_is_explained_next_to_the_field(client, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:accounts_user_import"),
        {"file": csv_upload(b"who,what\nx,y\n")},
    )
    assert response.status_code == 200
    assert "“email”, “name” is missing" in response.content.decode()
    assert not PeopleImport.objects.exists()


def test_import_pages_preview_query_count_does_not_grow_with_rows(client, org_admin, organization):
    client.force_login(org_admin)
    counts = []
    for size in (10, 500):
        people_import = upload(organization, org_admin, generated_csv(size))
        url = reverse("admin:accounts_user_import_preview", args=[people_import.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_import_pages_superuser_chooses_the_organization(client, other_organization):
    root = User.objects.create_superuser("root@platform.example", "pw-for-tests-123")
    client.force_login(root)
    assert (
        'name="organization"' in client.get(reverse("admin:accounts_user_import")).content.decode()
    )
    response = client.post(
        reverse("admin:accounts_user_import"),
        {
            "organization": other_organization.pk,
            "file": csv_upload(csv_bytes("x@globex.example,X,,,")),
        },
    )
    assert response.status_code == 302
    assert PeopleImport.objects.get().organization == other_organization


# --- Tenancy and roles ----------------------------------------------------------------------


def test_import_pages_learner_is_sent_to_sign_in(client, learner, organization, org_admin):
    people_import = upload(organization, org_admin, csv_bytes("x@acme.example,X,,,"))
    client.force_login(learner)
    for url in (
        reverse("admin:accounts_user_import"),
        reverse("admin:accounts_user_import_example"),
        reverse("admin:accounts_user_import_preview", args=[people_import.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
    assert (
        client.post(
            reverse("admin:accounts_user_import_preview", args=[people_import.pk])
        ).status_code
        == 302
    )
    assert not User.objects.filter(email="x@acme.example").exists()


def test_import_pages_author_is_forbidden(client, author, organization, org_admin):
    people_import = upload(organization, org_admin, csv_bytes("x@acme.example,X,,,"))
    client.force_login(author)
    assert client.get(reverse("admin:accounts_user_import")).status_code == 403
    assert client.get(reverse("admin:accounts_user_import_example")).status_code == 403
    preview_url = reverse("admin:accounts_user_import_preview", args=[people_import.pk])
    assert client.get(preview_url).status_code == 403
    assert client.post(preview_url).status_code == 403
    assert not User.objects.filter(email="x@acme.example").exists()


def test_import_pages_other_organizations_import_is_not_found(
    client, outsider, organization, org_admin
):
    people_import = upload(organization, org_admin, csv_bytes("x@acme.example,X,,,"))
    client.force_login(outsider)
    preview_url = reverse("admin:accounts_user_import_preview", args=[people_import.pk])
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    people_import.refresh_from_db()
    assert people_import.applied_at is None


def test_import_pages_org_admin_cannot_pick_another_organization(
    client, org_admin, organization, other_organization
):
    client.force_login(org_admin)
    client.post(
        reverse("admin:accounts_user_import"),
        {
            "organization": other_organization.pk,
            "file": csv_upload(csv_bytes("x@acme.example,X,,,")),
        },
    )
    assert PeopleImport.objects.get().organization == organization


def test_import_pages_outsider_manager_is_rejected_in_the_preview(client, org_admin, outsider):
    client.force_login(org_admin)
    client.post(
        reverse("admin:accounts_user_import"),
        {"file": csv_upload(csv_bytes(f"x@acme.example,X,Sales,{outsider.email},"))},
    )
    preview_url = reverse(
        "admin:accounts_user_import_preview", args=[PeopleImport.objects.get().pk]
    )
    content = client.get(preview_url).content.decode()
    assert f"The manager {outsider.email} belongs to another organization." in content
    assert "Confirm the import" not in content


# --- Hostile files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("nul@acme.example,Nul\x00 Person,,,", "name"),
        ("esc@acme.example,Esc Person,Sales\x1b[31m,,", "team"),
        ("bell\x07@acme.example,Bell Person,,,", "email"),
        ("del@acme.example,Del Person,,,Europe/Paris\x7f", "time zone"),
    ],
)
def test_import_pages_control_character_rejects_the_line_and_imports_nothing(
    client, org_admin, organization, line, column
):
    client.force_login(org_admin)
    people_before = User.objects.count()

    response = client.post(
        reverse("admin:accounts_user_import"),
        {"file": csv_upload(csv_bytes("fine@acme.example,Fine,,,", line))},
    )

    assert response.status_code == 302
    content = client.get(response["Location"]).content.decode()
    assert f"The {column} contains a control character (such as NUL)" in content
    assert "Confirm the import" not in content
    response = client.post(response["Location"], follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert User.objects.count() == people_before
    assert not Team.objects.filter(name__startswith="Sales").exists()


def test_parse_people_csv_keeps_tabs_and_line_breaks_in_a_cell_as_spaces():
    rows = parse_people_csv(csv_bytes('ada@acme.example,"Ada\tLovelace\nCountess",,,'))
    assert (rows[0].name, rows[0].problem) == ("Ada Lovelace Countess", "")


def test_people_import_plan_overlong_cells_are_refused_without_echoing_them(organization):
    plan = plan_for(
        organization,
        f"long@acme.example,{'N' * 100_000},,,{'Europe/' * 10_000}",
        f"{'e' * 100_000}@acme.example,Long Email,{'T' * 100_000},,",
    )
    reasons = reasons_by_line(plan)
    assert "The name is longer than 150 characters." in reasons[2]
    assert "is not a time zone" in reasons[2]
    assert "The email is longer than 254 characters." in reasons[3]
    assert "The team name is longer than 150 characters." in reasons[3]
    # The preview shows each reason: a line's reasons stay readable.
    assert all(len(reason) < 1_000 for reason in reasons.values())


def test_import_pages_file_over_the_size_or_row_limit_is_refused_and_saves_nothing(
    client, org_admin
):
    client.force_login(org_admin)
    too_big = csv_bytes(f"big@acme.example,{'B' * 100},,,") + b"x" * (5 * 1024 * 1024)
    too_many = generated_csv(20_001)

    responses = [
        client.post(reverse("admin:accounts_user_import"), {"file": csv_upload(content)})
        for content in (too_big, too_many)
    ]

    assert [response.status_code for response in responses] == [200, 200]
    assert "larger than 5 MB" in responses[0].content.decode()
    assert "The file has 20,001 people; one import takes at most 20,000." in (
        responses[1].content.decode()
    )
    assert not PeopleImport.objects.exists()
