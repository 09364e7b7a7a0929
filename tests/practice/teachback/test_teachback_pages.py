from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practice import services as practice_services
from practice.models import Enrollment
from practice.teachback import selectors, services
from practice.teachback.models import Rsvp, SessionStatus, TeachBackSession
from practice.teachback.tokens import invite_token
from tests.factories import (
    TEST_PASSWORD,
    EnrollmentFactory,
    TeachBackInviteFactory,
    TeachBackSessionFactory,
    TeamFactory,
    UserFactory,
    published_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(organization, learner):
    version = published_version(organization, steps=1, metrics=1, title="Run a decisive meeting")
    version.steps.update(repetitions_required=1)
    enrollment = practice_services.enrollment_create(
        learner=learner, micromastery=version.micromastery
    )
    practice_services.attempt_log(
        enrollment=enrollment,
        step=version.steps.get(),
        what_i_did="Did it",
        confidence=4,
        minutes=5,
    )
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def colleagues(organization, learner):
    berlin = UserFactory(
        organization=organization, display_name="Ann Berlin", time_zone="Europe/Berlin"
    )
    new_york = UserFactory(
        organization=organization, display_name="Bob New York", time_zone="America/New_York"
    )
    TeamFactory(organization=organization, members=[learner, berlin, new_york])
    return [berlin, new_york]


@pytest.fixture
def proposal(completed, colleagues):
    return services.teachback_propose(enrollment=completed)


@pytest.fixture
def scheduled(organization, learner, completed, colleagues):
    session = TeachBackSessionFactory(enrollment=completed, teacher=learner)
    for person in colleagues:
        TeachBackInviteFactory(session=session, invitee=person)
    return session


def started(session, hours_ago=1):
    TeachBackSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(hours=hours_ago)
    )
    session.refresh_from_db()
    return session


def page(session):
    return reverse("teachback:session", args=[session.pk])


def test_proposal_page_shows_audience_and_every_slot_in_each_zone(client, learner, proposal):
    client.force_login(learner)
    response = client.get(page(proposal))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ann Berlin" in content and "Bob New York" in content
    assert "2 of 2 invited colleagues have not done this micromastery yet" in content
    assert len(proposal.proposed_slots) == 3
    for slot in proposal.proposed_slots:
        starts = datetime.fromisoformat(slot)
        london = starts.astimezone(ZoneInfo("Europe/London"))
        berlin = starts.astimezone(ZoneInfo("Europe/Berlin"))
        new_york = starts.astimezone(ZoneInfo("America/New_York"))
        assert (
            f"{london:%H:%M} London · {berlin:%H:%M} Berlin · {new_york:%H:%M} New York" in content
        )


def test_proposal_audience_change_refinds_slots_and_says_when_none_fit(
    client, organization, learner, proposal, colleagues
):
    tokyo = UserFactory(organization=organization, display_name="Cho Tokyo", time_zone="Asia/Tokyo")
    client.force_login(learner)
    response = client.post(
        reverse("teachback:audience", args=[proposal.pk]),
        {"audience": [colleagues[0].pk, tokyo.pk]},
    )
    assert response.status_code == 302
    invited = set(proposal.invites.values_list("invitee_id", flat=True))
    assert invited == {colleagues[0].pk, tokyo.pk}
    proposal.refresh_from_db()
    assert proposal.proposed_slots == []
    content = client.get(page(proposal)).content.decode()
    assert "No time in the next two weeks fits everyone" in content
    assert 'type="datetime-local"' in content


def test_proposal_audience_refuses_nobody_and_outsiders(client, learner, proposal, outsider):
    client.force_login(learner)
    before = set(proposal.invites.values_list("invitee_id", flat=True))
    for audience in ([], [outsider.pk]):
        response = client.post(
            reverse("teachback:audience", args=[proposal.pk]), {"audience": audience}
        )
        assert response.status_code == 400
    assert set(proposal.invites.values_list("invitee_id", flat=True)) == before


def test_proposal_search_finds_colleagues_by_name_or_email(client, organization, learner, proposal):
    UserFactory(organization=organization, display_name="Dana Search", email="dana@acme.example")
    client.force_login(learner)
    content = client.get(page(proposal), {"q": "dana@"}).content.decode()
    assert "Dana Search" in content
    assert "has not started this micromastery" in content
    assert "Dana Search" not in client.get(page(proposal), {"q": "nobody"}).content.decode()


def test_proposal_confirm_with_a_slot_sends_invitations(
    client, learner, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    slot = proposal.proposed_slots[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("teachback:confirm", args=[proposal.pk]),
            {"slot": slot, "duration_minutes": 45, "location": "Room 4", "video_url": ""},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == SessionStatus.SCHEDULED
    assert proposal.starts_at == datetime.fromisoformat(slot)
    assert proposal.duration_minutes == 45
    assert len(mailoutbox) == 2


def test_proposal_confirm_reads_a_hand_set_time_in_the_teachers_zone(client, learner, proposal):
    learner.time_zone = "America/New_York"
    learner.save()
    client.force_login(learner)
    response = client.post(
        reverse("teachback:confirm", args=[proposal.pk]),
        {
            "slot": "other",
            "starts_at": "2030-03-05T10:00",
            "duration_minutes": 30,
            "video_url": "https://meet.example/abc",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    # New York is on standard time (UTC-5) until the second Sunday of March.
    assert proposal.starts_at == datetime(2030, 3, 5, 15, 0, tzinfo=UTC)
    assert proposal.video_url == "https://meet.example/abc"


def test_proposal_confirm_bad_input_shows_errors_and_changes_nothing(
    client, learner, proposal, mailoutbox
):
    client.force_login(learner)
    url = reverse("teachback:confirm", args=[proposal.pk])
    response = client.post(
        url, {"slot": proposal.proposed_slots[0], "duration_minutes": 30, "location": ""}
    )
    assert response.status_code == 400
    assert "Add a place or a video link" in response.content.decode()
    response = client.post(
        url,
        {"slot": "other", "starts_at": "2020-01-01T10:00", "duration_minutes": 30, "location": "x"},
    )
    assert response.status_code == 400
    assert "Pick a time in the future." in response.content.decode()
    response = client.post(url, {"slot": "other", "duration_minutes": 30, "location": "x"})
    assert "Pick one of the times or set another time." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == SessionStatus.PROPOSED
    assert mailoutbox == []


def test_proposal_is_the_teachers_alone(client, proposal, colleagues, outsider):
    # The proposed audience has not been invited yet: to them it does not exist.
    for person in (colleagues[0], outsider):
        client.force_login(person)
        assert client.get(page(proposal)).status_code == 404
        response = client.post(
            reverse("teachback:confirm", args=[proposal.pk]),
            {"slot": proposal.proposed_slots[0], "duration_minutes": 30, "location": "x"},
        )
        assert response.status_code == 404
        assert (
            client.post(
                reverse("teachback:audience", args=[proposal.pk]), {"audience": []}
            ).status_code
            == 404
        )
    proposal.refresh_from_db()
    assert proposal.status == SessionStatus.PROPOSED


def test_session_page_shows_time_zone_place_rsvp_and_calendar_file(
    client, organization, learner, scheduled, colleagues, outsider
):
    invite = scheduled.invites.get(invitee=colleagues[0])
    services.invite_respond(invite=invite, accept=True)
    for viewer in (learner, colleagues[1]):
        client.force_login(viewer)
        response = client.get(page(scheduled))
        assert response.status_code == 200
        content = response.content.decode()
        local = scheduled.starts_at.astimezone(viewer.zone)
        assert f"{local:%H:%M}" in content and f"({viewer.time_zone})" in content
        assert "Room 4" in content
        assert "Accepted" in content and "Not answered" in content
        ics = client.get(reverse("teachback:ics", args=[scheduled.pk]))
        assert ics.status_code == 200
        event = vobject.readOne(ics.content.decode()).vevent
        assert event.uid.value == f"{scheduled.uid}@micromastery"
        assert event.dtstart.value == scheduled.starts_at
    not_invited = UserFactory(organization=organization)
    for viewer in (not_invited, outsider):
        client.force_login(viewer)
        assert client.get(page(scheduled)).status_code == 404
        assert client.get(reverse("teachback:ics", args=[scheduled.pk])).status_code == 404
    client.logout()
    assert client.get(page(scheduled)).status_code == 302


def test_session_invitee_answers_on_the_page(client, scheduled, colleagues):
    client.force_login(colleagues[0])
    response = client.post(reverse("teachback:rsvp", args=[scheduled.pk]), {"answer": "decline"})
    assert response.status_code == 302
    assert scheduled.invites.get(invitee=colleagues[0]).rsvp == Rsvp.DECLINED


def test_reschedule_and_cancel_go_through_a_confirmation_step(
    client, learner, scheduled, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    url = reverse("teachback:reschedule", args=[scheduled.pk])
    assert client.get(url).status_code == 200
    new_time = (timezone.now() + timedelta(days=5)).astimezone(learner.zone)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"starts_at": f"{new_time:%Y-%m-%dT%H:%M}", "location": "Room 5"}
        )
    assert response.status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.sequence == 1 and scheduled.location == "Room 5"
    assert [m.subject.startswith("Updated:") for m in mailoutbox] == [True, True]

    cancel = reverse("teachback:cancel", args=[scheduled.pk])
    response = client.get(cancel)
    assert "Everyone invited gets a cancellation" in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == SessionStatus.SCHEDULED
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(cancel).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.status == SessionStatus.CANCELLED
    assert mailoutbox[-1].subject.startswith("Cancelled:")


def test_invitees_cannot_move_cancel_or_mark_attendance(client, scheduled, colleagues):
    client.force_login(colleagues[0])
    assert client.get(reverse("teachback:reschedule", args=[scheduled.pk])).status_code == 403
    assert client.post(reverse("teachback:cancel", args=[scheduled.pk])).status_code == 403
    started(scheduled)
    response = client.post(
        reverse("teachback:attendance", args=[scheduled.pk]), {"attended": [colleagues[0].pk]}
    )
    assert response.status_code == 403
    scheduled.refresh_from_db()
    assert scheduled.status == SessionStatus.SCHEDULED
    assert not scheduled.invites.filter(attended=True).exists()


def test_feedback_through_the_emailed_link_makes_the_teacher_mastered(
    client,
    learner,
    completed,
    scheduled,
    colleagues,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(learner)
    assert "Who came?" not in client.get(page(scheduled)).content.decode()
    started(scheduled)
    assert "Who came?" in client.get(page(scheduled)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("teachback:attendance", args=[scheduled.pk]), {"attended": [colleagues[0].pk]}
        )
    assert [m.to for m in mailoutbox] == [[colleagues[0].email]]
    feedback_url = next(
        line for line in mailoutbox[0].body.splitlines() if "/feedback/" in line
    ).strip()
    path = feedback_url.removeprefix("http://127.0.0.1:8000")
    assert "Mastered" not in client.get(page(scheduled)).content.decode()

    client.logout()
    form = client.get(path)
    assert form.status_code == 200
    assert "How clear was it?" in form.content.decode()
    response = client.post(path, {"clarity": 5, "will_try": "on", "comment": "Short and clear"})
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert "Start practising this skill" in thanks

    completed.refresh_from_db()
    assert completed.mastered_at is not None
    client.force_login(learner)
    content = client.get(page(scheduled)).content.decode()
    assert "Mastered" in content
    assert "Clarity 5 of 5" in content and "will try it at work" in content
    assert "Short and clear" in content


def test_feedback_refused_for_someone_marked_absent(client, scheduled, colleagues):
    started(scheduled)
    services.attendance_mark(session=scheduled, by=scheduled.teacher, attended=[colleagues[0]])
    absent = scheduled.invites.get(invitee=colleagues[1])
    url = reverse("teachback:invite_feedback", args=[invite_token(absent)])
    response = client.post(url, {"clarity": 4})
    assert response.status_code == 400
    assert "Feedback opens once the teacher marks you as attended." in response.content.decode()
    absent.refresh_from_db()
    assert absent.feedback_at is None


def test_invite_links_confirm_on_get_and_record_on_post(client, scheduled, colleagues):
    invite = scheduled.invites.get(invitee=colleagues[0])
    url = reverse("teachback:invite_accept", args=[invite_token(invite)])
    response = client.get(url)
    assert response.status_code == 200
    assert "Yes, I'll be there" in response.content.decode()
    invite.refresh_from_db()
    assert invite.rsvp == Rsvp.PENDING
    assert "you accepted" in client.post(url).content.decode()
    invite.refresh_from_db()
    answered_at = invite.rsvp_at
    assert invite.rsvp == Rsvp.ACCEPTED
    client.post(url)
    invite.refresh_from_db()
    assert invite.rsvp_at == answered_at
    decline = reverse("teachback:invite_decline", args=[invite_token(invite)])
    client.post(decline)
    invite.refresh_from_db()
    assert invite.rsvp == Rsvp.DECLINED


def test_invite_links_refuse_forged_expired_and_another_person(
    client, organization, scheduled, colleagues, outsider
):
    invite = scheduled.invites.get(invitee=colleagues[0])
    token = invite_token(invite)
    forged = signing.dumps({"i": invite.pk, "u": invite.invitee_id}, salt="not-ours")
    for bad in (token[:-3] + "abc", forged):
        for name in ("invite_accept", "invite_decline", "invite_feedback"):
            response = client.post(reverse(f"teachback:{name}", args=[bad]))
            assert response.status_code == 400
            assert "This link is not valid" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.post(reverse("teachback:invite_accept", args=[token]))
    assert response.status_code == 400 and "expired" in response.content.decode()
    for other in (colleagues[1], outsider):
        client.force_login(other)
        response = client.post(reverse("teachback:invite_accept", args=[token]))
        assert response.status_code == 403
        assert "sent to someone else" in response.content.decode()
    invite.refresh_from_db()
    assert invite.rsvp == Rsvp.PENDING


def test_enrol_from_the_feedback_page_signs_in_first_and_records_the_teacher(
    client, learner, scheduled, colleagues
):
    attendee = colleagues[0]
    started(scheduled)
    services.attendance_mark(session=scheduled, by=learner, attended=[attendee])
    token = invite_token(scheduled.invites.get(invitee=attendee))
    url = reverse("teachback:invite_enroll", args=[token])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Enrollment.objects.filter(learner=attendee).exists()
    login = client.post(
        response["Location"], {"username": attendee.email, "password": TEST_PASSWORD}
    )
    assert login["Location"] == url
    assert "Start practising this skill" in client.get(url).content.decode()
    assert client.post(url)["Location"] == reverse("home")
    enrollment = Enrollment.objects.get(learner=attendee)
    assert enrollment.taught_by == learner
    assert enrollment.taught_in == scheduled
    # A second click lands in the same place without an error.
    assert client.post(url)["Location"] == reverse("home")


def test_session_page_query_count_does_not_grow_with_invitees(
    client, organization, learner, django_assert_num_queries
):
    def session_with(count):
        session = TeachBackSessionFactory(
            enrollment=EnrollmentFactory(
                learner=learner, completed_at=timezone.now(), status="completed"
            )
        )
        for _ in range(count):
            TeachBackInviteFactory(session=session)
        return started(session)

    small, large = session_with(2), session_with(12)
    client.force_login(learner)
    counts = []
    for session in (small, large):
        # 4 for the page, 1 for the bell's unread count.
        with django_assert_num_queries(5) as captured:
            assert client.get(page(session)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_home_partial_lists_proposals_upcoming_and_sessions_to_mark(
    learner, proposal, colleagues, django_assert_num_queries
):
    upcoming = TeachBackSessionFactory(teacher=colleagues[0])
    TeachBackInviteFactory(session=upcoming, invitee=learner)
    declined = TeachBackSessionFactory(teacher=colleagues[1])
    TeachBackInviteFactory(session=declined, invitee=learner, rsvp=Rsvp.DECLINED)
    to_mark = started(TeachBackSessionFactory(teacher=learner, enrollment__learner=learner))
    with django_assert_num_queries(2):
        home = selectors.teachback_home(learner)
    assert home.proposals == [proposal]
    assert home.upcoming == [upcoming]
    assert home.to_mark == [to_mark]
    html = render_to_string("teachback/_home_proposals.html", {"teachback": home, "user": learner})
    assert "Teach back “Run a decisive meeting”" in html
    assert f"by {colleagues[0].display_name}" in html
    assert "Who came to" in html
    newcomer = UserFactory(organization=learner.organization)
    empty = render_to_string(
        "teachback/_home_proposals.html",
        {"teachback": selectors.teachback_home(newcomer), "user": newcomer},
    )
    assert "Teach-backs" not in empty


def test_slot_views_show_the_weekday_where_a_zone_is_on_another_date(learner):
    tokyo = UserFactory(organization=learner.organization, time_zone="Asia/Tokyo")
    slot = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    (view,) = selectors.slot_views([slot], teacher=learner, audience=[tokyo])
    assert view.summary == "16:00 London · 01:00 (Wed) Tokyo"
    assert view.teacher_day == "Tue 3 Mar"


def test_invitation_email_states_the_time_in_the_invitees_zone(
    learner, scheduled, colleagues, mailoutbox, django_capture_on_commit_callbacks
):
    from practice.teachback.emails import send_calendar_email

    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        send_calendar_email(scheduled, method="REQUEST", kind="invite")
    berlin_mail = next(m for m in mailoutbox if m.to == [colleagues[0].email])
    local = scheduled.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"When: {local:%a %-d %b %Y, %H:%M} (Europe/Berlin)" in berlin_mail.body
