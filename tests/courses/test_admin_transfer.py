import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import MicromasteryVersion
from tests.courses.test_transfer import hostile_files
from tests.factories import published_version

pytestmark = pytest.mark.django_db


def export(client, version, action):
    return client.post(
        reverse("admin:courses_micromasteryversion_changelist"),
        {"action": action, "_selected_action": [version.pk]},
    )


@pytest.mark.parametrize(("action", "suffix"), [("export_json", "json"), ("export_yaml", "yaml")])
def test_admin_export_then_import_round_trip(client, author, organization, action, suffix):
    version = published_version(organization, title="Run a 15-minute stand-up")
    client.force_login(author)
    response = export(client, version, action)
    assert response.status_code == 200
    assert f'.{suffix}"' in response["Content-Disposition"]
    upload = SimpleUploadedFile(f"standup.{suffix}", response.content)
    response = client.post(reverse("admin:courses_micromasteryversion_import"), {"file": upload})
    # The title is taken here already: the page asks before making a second one.
    assert response.status_code == 200
    assert "Is this file a new version of it, or a new micromastery?" in response.content.decode()
    response = client.post(reverse("admin:courses_micromasteryversion_import"), {"target": "new"})
    assert response.status_code == 302
    draft = MicromasteryVersion.objects.exclude(pk=version.pk).get()
    assert draft.status == "draft"
    assert draft.title == "Run a 15-minute stand-up"
    assert draft.micromastery.organization == organization
    assert list(draft.steps.values_list("key", flat=True)) == ["step-1", "step-2"]


def test_admin_import_malformed_file_names_the_problem_and_imports_nothing(client, author):
    client.force_login(author)
    upload = SimpleUploadedFile("broken.yaml", b"title: [unclosed\n")
    response = client.post(reverse("admin:courses_micromasteryversion_import"), {"file": upload})
    assert response.status_code == 200
    assert "line" in response.content.decode()
    assert not MicromasteryVersion.objects.exists()


def test_admin_export_other_organization_version_is_not_offered(client, author, other_organization):
    foreign = published_version(other_organization)
    client.force_login(author)
    response = export(client, foreign, "export_json")
    # The action runs on the author's own queryset only: nothing to export.
    assert response.status_code == 302
    assert "Content-Disposition" not in response


def test_admin_import_refused_to_learners_and_non_authors(client, learner, org_admin):
    url = reverse("admin:courses_micromasteryversion_import")
    # A learner has no admin at all: the admin asks them to sign in as someone who has.
    client.force_login(learner)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    # An org admin has the admin, but not the authoring tool.
    client.force_login(org_admin)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("name", "hostile"), [("laughs.yaml", "billion laughs"), ("big.json", "huge json number")]
)
def test_admin_import_hostile_file_shows_the_reason_on_the_form_and_imports_nothing(
    client, author, organization, name, hostile
):
    content, _, message = hostile_files(organization)[hostile]
    before = MicromasteryVersion.objects.count()
    client.force_login(author)
    upload = SimpleUploadedFile(name, content.encode())

    response = client.post(reverse("admin:courses_micromasteryversion_import"), {"file": upload})

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert MicromasteryVersion.objects.count() == before


def test_admin_import_of_a_known_title_can_become_its_next_version(client, author, organization):
    from courses.models import Micromastery

    version = published_version(organization, title="Run a 15-minute stand-up")
    client.force_login(author)
    exported = export(client, version, "export_json").content
    url = reverse("admin:courses_micromasteryversion_import")
    question = client.post(url, {"file": SimpleUploadedFile("standup.json", exported)})
    assert f'value="{version.micromastery_id}"' in question.content.decode()
    assert MicromasteryVersion.objects.count() == 1
    # An answer that is not on the page is asked again, and nothing is written.
    again = client.post(url, {"target": "999999"})
    assert "Choose what this file is." in again.content.decode()
    assert MicromasteryVersion.objects.count() == 1
    response = client.post(url, {"target": str(version.micromastery_id)})
    assert response.status_code == 302
    draft = MicromasteryVersion.objects.exclude(pk=version.pk).get()
    assert (draft.micromastery_id, draft.number, draft.status) == (
        version.micromastery_id,
        2,
        "draft",
    )
    assert Micromastery.objects.count() == 1


def test_admin_import_answer_cannot_target_another_organization(
    client, author, organization, other_organization
):
    mine = published_version(organization, title="Say no")
    theirs = published_version(other_organization, title="Say no")
    client.force_login(author)
    exported = export(client, mine, "export_json").content
    url = reverse("admin:courses_micromasteryversion_import")
    client.post(url, {"file": SimpleUploadedFile("say-no.json", exported)})
    response = client.post(url, {"target": str(theirs.micromastery_id)})
    assert "Choose what this file is." in response.content.decode()
    assert theirs.micromastery.versions.count() == 1
    assert MicromasteryVersion.objects.count() == 2
