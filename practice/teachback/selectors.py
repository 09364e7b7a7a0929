"""Reads about teach-back sessions, scoped to the person who asks.

A session is seen by its teacher, and by its invitees once the invitations went out
(a proposal is the teacher's draft). Spread views are for the people who report on a
team: its managers, and the organization's admins and authors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policies
from accounts.models import Organization, Team, User
from courses.models import Micromastery
from practice.models import Enrollment, EnrollmentStatus
from practice.teachback.dates import moment_format
from practice.teachback.models import Rsvp, SessionStatus, TeachBackInvite, TeachBackSession
from practice.teachback.tokens import InviteTokenError, invite_token_read

ATTENDANCE_WINDOW = timedelta(days=14)
CANDIDATES_SHOWN = 20


def _sessions() -> QuerySet[TeachBackSession]:
    return TeachBackSession.objects.select_related(
        "teacher", "micromastery", "enrollment__version"
    ).prefetch_related(
        Prefetch(
            "invites",
            queryset=TeachBackInvite.objects.select_related("invitee").order_by(
                "invitee__display_name", "pk"
            ),
        )
    )


def teachback_get(*, viewer: User, session_id: int) -> TeachBackSession:
    """A session the viewer teaches or was invited to; 404 for everyone else."""
    session = (
        _sessions()
        .filter(pk=session_id)
        .filter(pk__in=policies.teachbacks_visible_to(viewer).values("pk"))
        .first()
    )
    if session is None:
        raise Http404(_("No such teach-back among yours."))
    return session


def teachback_get_as_teacher(*, viewer: User, session_id: int) -> TeachBackSession:
    """The viewer's own session to change; an invitee is refused (403), others get 404."""
    session = teachback_get(viewer=viewer, session_id=session_id)
    if not policies.can_change_teachback(viewer, session):
        raise PermissionDenied(_("Only the teacher can change this teach-back."))
    return session


def invite_of(session: TeachBackSession, viewer: User) -> TeachBackInvite | None:
    """The viewer's own invitation to a session loaded by this module (no query)."""
    return next((i for i in session.invites.all() if i.invitee_id == viewer.pk), None)


def teachback_list(*, viewer: User) -> QuerySet[TeachBackSession]:
    """Sessions the viewer teaches or is invited to, newest first."""
    return (
        _sessions()
        .filter(pk__in=policies.teachbacks_visible_to(viewer).values("pk"))
        .order_by("-created_at", "-pk")
    )


@dataclass
class TeachBackHome:
    proposals: list[TeachBackSession]
    upcoming: list[TeachBackSession]
    to_mark: list[TeachBackSession]

    def __bool__(self) -> bool:
        return bool(self.proposals or self.upcoming or self.to_mark)


def teachback_home_sessions(learner: User, *, now: datetime) -> QuerySet[TeachBackSession]:
    """The sessions ``teachback_home`` sorts: the learner's own proposals and sessions, and
    those they accepted or may still accept, from two weeks back."""
    return TeachBackSession.objects.filter(
        Q(teacher=learner)
        | Q(
            status=SessionStatus.SCHEDULED,
            invites__invitee=learner,
            invites__rsvp__in=[Rsvp.PENDING, Rsvp.ACCEPTED],
        )
    ).filter(
        Q(status=SessionStatus.PROPOSED)
        | Q(status=SessionStatus.SCHEDULED, starts_at__gte=now - ATTENDANCE_WINDOW)
    )


def teachback_home(learner: User, *, now: datetime | None = None) -> TeachBackHome:
    """For the home page: proposals to confirm, sessions coming up (taught or attended,
    not declined), and the learner's sessions of the last two weeks still waiting for
    attendance to be marked."""
    now = now or timezone.now()
    sessions = list(
        _sessions()
        .filter(pk__in=teachback_home_sessions(learner, now=now).values("pk"))
        .order_by("starts_at", "pk")
    )
    proposals, upcoming, to_mark = [], [], []
    for session in sessions:
        if session.status == SessionStatus.PROPOSED:
            proposals.append(session)
        elif session.ends_at and session.ends_at > now:
            upcoming.append(session)
        elif session.teacher_id == learner.pk and all(
            invite.attended is None for invite in session.invites.all()
        ):
            to_mark.append(session)
    return TeachBackHome(proposals=proposals, upcoming=upcoming, to_mark=to_mark)


def session_list_starting(
    *, starts_after: datetime, starts_before: datetime
) -> QuerySet[TeachBackSession]:
    """Scheduled sessions starting in the window, with their accepted invites in
    ``accepted_invites``: what a reminder source needs (teacher and accepted attendees)."""
    return (
        TeachBackSession.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=starts_after,
            starts_at__lte=starts_before,
        )
        .select_related("teacher", "enrollment__version")
        .prefetch_related(
            Prefetch(
                "invites",
                queryset=TeachBackInvite.objects.filter(rsvp=Rsvp.ACCEPTED).select_related(
                    "invitee"
                ),
                to_attr="accepted_invites",
            )
        )
        .order_by("starts_at", "pk")
    )


# --- The proposal page: who is invited, who else could be, and when everyone can meet ----


STATUS_NOTES: dict[str | None, Promise] = {
    None: gettext_lazy("has not started this micromastery"),
    EnrollmentStatus.ACTIVE: gettext_lazy("is practising it"),
    EnrollmentStatus.PAUSED: gettext_lazy("paused it"),
    EnrollmentStatus.COMPLETED: gettext_lazy("already completed it"),
    EnrollmentStatus.DROPPED: gettext_lazy("dropped it"),
}


@dataclass
class AudienceMember:
    person: User
    invited: bool
    note: str | Promise
    has_not_done_it: bool


def _with_micromastery_status(queryset: QuerySet[User], micromastery_id: int) -> QuerySet[User]:
    return queryset.annotate(
        micromastery_status=Subquery(
            Enrollment.objects.filter(
                learner=OuterRef("pk"), micromastery_id=micromastery_id
            ).values("status")[:1]
        )
    )


def _member(person: User, *, invited: bool) -> AudienceMember:
    status = getattr(person, "micromastery_status", None)
    return AudienceMember(
        person=person,
        invited=invited,
        note=STATUS_NOTES.get(status, ""),
        has_not_done_it=status != EnrollmentStatus.COMPLETED,
    )


@dataclass
class ProposalAudience:
    """The proposal's audience: who is invited, who the teacher ticked and has not saved
    yet (kept across searches), and colleagues who could be added."""

    invited: list[AudienceMember]
    chosen: list[AudienceMember]
    candidates: list[AudienceMember]


def audience_for_proposal(
    *, session: TeachBackSession, query: str = "", chosen_ids: Iterable[int] = ()
) -> ProposalAudience:
    """The proposal's audience, ticked colleagues not saved yet (``chosen_ids``), and
    colleagues who could be added (matching ``query`` by name or email, else those who
    have not completed it), each with a note on where they are with the micromastery."""
    invited_ids = [invite.invitee_id for invite in session.invites.all()]
    colleagues = User.objects.filter(
        organization=session.teacher.organization, is_active=True
    ).exclude(pk=session.teacher_id)
    invited = _with_micromastery_status(
        colleagues.filter(pk__in=invited_ids), session.micromastery_id
    ).order_by("display_name", "pk")
    # Bounded like the search: a request can name at most this many ticked colleagues.
    chosen_ids = [pk for pk in dict.fromkeys(chosen_ids) if pk not in invited_ids][
        :CANDIDATES_SHOWN
    ]
    chosen = _with_micromastery_status(
        colleagues.filter(pk__in=chosen_ids), session.micromastery_id
    ).order_by("display_name", "pk")
    others = _with_micromastery_status(
        colleagues.exclude(pk__in=[*invited_ids, *chosen_ids]), session.micromastery_id
    )
    query = query.strip()
    if query:
        others = others.filter(Q(display_name__icontains=query) | Q(email__icontains=query))
    else:
        others = others.exclude(
            pk__in=Enrollment.objects.filter(
                micromastery_id=session.micromastery_id, completed_at__isnull=False
            ).values("learner_id")
        )
    candidates = others.order_by("display_name", "pk")[:CANDIDATES_SHOWN]
    return ProposalAudience(
        invited=[_member(person, invited=True) for person in invited],
        chosen=[_member(person, invited=False) for person in chosen],
        candidates=[_member(person, invited=False) for person in candidates],
    )


def _zone_label(zone_name: str) -> str:
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


@dataclass
class ZoneTime:
    label: str
    text: str


@dataclass
class SlotView:
    starts_at: datetime
    value: str
    teacher_day: str
    zones: list[ZoneTime] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return " · ".join(f"{zone.text} {zone.label}" for zone in self.zones)


def slot_views(
    slots: Iterable[str | datetime], *, teacher: User, audience: Iterable[User]
) -> list[SlotView]:
    """Each candidate slot in the teacher's zone first, then once per other zone of the
    audience ("14:00 London · 09:00 New York · 15:00 Berlin"), with the weekday where
    a zone is on another date than the teacher; days and weekdays in the active language."""
    zone_names = [teacher.time_zone]
    for person in audience:
        if person.time_zone not in zone_names:
            zone_names.append(person.time_zone)
    views = []
    for slot in slots:
        starts_at = datetime.fromisoformat(slot) if isinstance(slot, str) else slot
        teacher_local = starts_at.astimezone(teacher.zone)
        zones = []
        for zone_name in zone_names:
            local = starts_at.astimezone(ZoneInfo(zone_name))
            text = moment_format(local, "time")
            if local.date() != teacher_local.date():
                text = f"{text} ({moment_format(local, 'weekday')})"
            zones.append(ZoneTime(label=_zone_label(zone_name), text=text))
        views.append(
            SlotView(
                starts_at=starts_at,
                value=starts_at.isoformat(),
                teacher_day=moment_format(teacher_local, "day"),
                zones=zones,
            )
        )
    return views


# --- Who taught whom ---------------------------------------------------------------------


@dataclass
class SpreadNode:
    person: User
    taught_at: datetime | None
    children: list[SpreadNode] = field(default_factory=list)

    @property
    def depth(self) -> int:
        """Generations of teaching below this person (a teacher of attendees is 1)."""
        return 1 + max((child.depth for child in self.children), default=-1)


@dataclass
class SpreadTree:
    micromastery_id: int
    title: str
    roots: list[SpreadNode]
    held: int
    reached: int

    @property
    def depth(self) -> int:
        return max((root.depth for root in self.roots), default=0)


@dataclass
class Spread:
    trees: list[SpreadTree]

    @property
    def held(self) -> int:
        return sum(tree.held for tree in self.trees)

    reached_ids: set[int] = field(default_factory=set)

    @property
    def reached(self) -> int:
        return len(self.reached_ids)

    @property
    def depth(self) -> int:
        return max((tree.depth for tree in self.trees), default=0)

    def counts(self) -> dict[str, int]:
        return {"held": self.held, "reached": self.reached, "depth": self.depth}


# session, micromastery, teacher, attendee, when the session started
Edge = tuple[int, int, int, int, datetime | None]


def _edges(
    organization: Organization | int,
    *,
    micromastery_ids: Iterable[int] | None,
    team_ids: Iterable[int] | None,
    period: tuple[datetime, datetime] | None,
    now: datetime,
    teacher_ids: QuerySet[Any] | None = None,
    micromastery_subquery: QuerySet[Any] | list[int] | None = None,
) -> list[Edge]:
    invites = TeachBackInvite.objects.filter(
        attended=True,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__lte=now,
        session__teacher__organization=organization,
    )
    if micromastery_ids is not None:
        invites = invites.filter(session__micromastery_id__in=list(micromastery_ids))
    if team_ids is not None:
        members = User.objects.filter(teams__in=list(team_ids)).values("pk")
        invites = invites.filter(session__teacher_id__in=members)
    if teacher_ids is not None:
        invites = invites.filter(session__teacher_id__in=teacher_ids)
    if micromastery_subquery is not None:
        invites = invites.filter(session__micromastery_id__in=micromastery_subquery)
    if period is not None:
        invites = invites.filter(
            session__starts_at__gte=period[0], session__starts_at__lt=period[1]
        )
    return list(
        invites.order_by("session__starts_at", "pk").values_list(
            "session_id",
            "session__micromastery_id",
            "session__teacher_id",
            "invitee_id",
            "session__starts_at",
        )
    )


def _forest(edges: list[Edge], people: dict[int, User]) -> list[SpreadNode]:
    """Teacher -> attendees, in the order teaching happened. Someone taught twice hangs
    under the first teacher; an edge back up the tree (a pupil teaching their own
    teacher) is left out so the result stays a tree."""
    parent: dict[int, int] = {}
    taught: dict[int, list[tuple[int, datetime | None]]] = defaultdict(list)
    teachers: list[int] = []
    for _session, _micromastery, teacher_id, attendee_id, at in edges:
        if teacher_id not in teachers:
            teachers.append(teacher_id)
        if attendee_id == teacher_id or attendee_id in parent:
            continue
        ancestor: int | None = teacher_id
        while ancestor is not None and ancestor != attendee_id:
            ancestor = parent.get(ancestor)
        if ancestor == attendee_id:
            continue
        parent[attendee_id] = teacher_id
        taught[teacher_id].append((attendee_id, at))

    def node(person_id: int, at: datetime | None) -> SpreadNode:
        return SpreadNode(
            person=people[person_id],
            taught_at=at,
            children=[node(child, child_at) for child, child_at in taught[person_id]],
        )

    return [node(teacher_id, None) for teacher_id in teachers if teacher_id not in parent]


def _titles(micromastery_ids: Iterable[int]) -> dict[int, str]:
    micromasteries = Micromastery.objects.filter(pk__in=list(micromastery_ids)).with_title()
    return {micromastery.pk: micromastery.title for micromastery in micromasteries}  # type: ignore[attr-defined]


def spread_compute(
    organization: Organization | int,
    *,
    micromastery_ids: Iterable[int] | None = None,
    team_ids: Iterable[int] | None = None,
    period: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> Spread:
    """Who taught whom in sessions that took place, one tree per micromastery.

    ``team_ids`` keeps the teaching done by members of those teams (their attendees may
    be anywhere in the organization); ``period`` is a half-open [start, end) on the
    session's start.
    """
    now = now or timezone.now()
    edges = _edges(
        organization,
        micromastery_ids=micromastery_ids,
        team_ids=team_ids,
        period=period,
        now=now,
    )
    person_ids = {edge[2] for edge in edges} | {edge[3] for edge in edges}
    people = {
        person.pk: person
        for person in User.objects.filter(pk__in=person_ids).only("pk", "display_name", "email")
    }
    return _spread(edges, people, _titles({edge[1] for edge in edges}))


def _spread(edges: list[Edge], people: dict[int, User], titles: dict[int, str]) -> Spread:
    """The trees of these edges, one per micromastery, and what they add up to."""
    by_micromastery: dict[int, list[Edge]] = defaultdict(list)
    for edge in edges:
        by_micromastery[edge[1]].append(edge)
    trees = [
        SpreadTree(
            micromastery_id=micromastery_id,
            title=titles.get(micromastery_id, ""),
            roots=_forest(micromastery_edges, people),
            held=len({edge[0] for edge in micromastery_edges}),
            reached=len({edge[3] for edge in micromastery_edges}),
        )
        for micromastery_id, micromastery_edges in by_micromastery.items()
    ]
    trees.sort(key=lambda tree: tree.title.lower())
    return Spread(trees=trees, reached_ids={edge[3] for edge in edges})


def spread_counts(
    organization: Organization | int,
    micromastery_ids: Iterable[int] | None = None,
    team_ids: Iterable[int] | None = None,
    period: tuple[datetime, datetime] | None = None,
    teacher_ids: QuerySet[Any] | None = None,
    micromastery_subquery: QuerySet[Any] | list[int] | None = None,
) -> dict[str, int]:
    """For the payoff dashboard: teach-backs held (took place, someone attended),
    colleagues reached (distinct attendees) and depth of spread (the longest chain of
    teacher -> attendee -> their attendee ...), in one query whatever the data.

    ``teacher_ids`` and ``micromastery_subquery`` (subqueries of ids, such as a cohort's
    members and micromasteries) narrow the teaching further without a query of their own.
    """
    edges = _edges(
        organization,
        micromastery_ids=micromastery_ids,
        team_ids=team_ids,
        period=period,
        now=timezone.now(),
        teacher_ids=teacher_ids,
        micromastery_subquery=micromastery_subquery,
    )
    # Counts need the shape of the trees, not who is in them or their titles: stand-in
    # people, no query.
    people = {pk: User(pk=pk) for edge in edges for pk in (edge[2], edge[3])}
    return _spread(edges, people, titles={}).counts()


def spread_for_micromastery(*, viewer: User, micromastery_id: int) -> tuple[str, Spread]:
    """Org admins and authors see the whole organization; a manager sees the teaching
    done by members of the teams they manage; anyone else is refused (403)."""
    if viewer.organization_id is None:
        raise Http404(_("No such micromastery in your organization."))
    micromastery = Micromastery.objects.filter(
        pk=micromastery_id, organization_id=viewer.organization_id
    ).first()
    if micromastery is None:
        raise Http404(_("No such micromastery in your organization."))
    team_ids: list[int] | None = None
    if not policies.sees_whole_organization(viewer):
        team_ids = list(policies.teams_visible_to(viewer).values_list("pk", flat=True))
        if not team_ids:
            raise PermissionDenied(_("The spread of a skill is for managers, admins and authors."))
    spread = spread_compute(
        viewer.organization_id, micromastery_ids=[micromastery.pk], team_ids=team_ids
    )
    return _titles([micromastery.pk]).get(micromastery.pk, micromastery.slug), spread


def spread_for_team(*, viewer: User, team_id: int) -> tuple[Team, Spread]:
    """The team's managers, and the organization's admins and authors; 403 otherwise."""
    if viewer.organization_id is None:
        raise Http404(_("No such team in your organization."))
    team = Team.objects.filter(pk=team_id, organization_id=viewer.organization_id).first()
    if team is None:
        raise Http404(_("No such team in your organization."))
    if not policies.can_view_team(viewer, team):
        raise PermissionDenied(_("The spread in a team is for its managers, admins and authors."))
    return team, spread_compute(viewer.organization_id, team_ids=[team.pk])


def invite_by_token(token: str, *, viewer: Any) -> TeachBackInvite:
    """The invitation a signed link names, for the invitee only.

    Refused (InviteTokenError) when the link is forged or expired, when the invitation
    is gone, and when someone else is signed in: a forwarded email does not let a
    colleague answer for the invitee.
    """
    invite_id, invitee_id = invite_token_read(token)
    invite = (
        TeachBackInvite.objects.select_related(
            "invitee", "session__teacher", "session__enrollment__version"
        )
        .filter(pk=invite_id, invitee_id=invitee_id, invitee__is_active=True)
        .first()
    )
    if invite is None:
        raise InviteTokenError(
            _("This invitation no longer exists: the teacher changed who is invited.")
        )
    if viewer.is_authenticated and viewer.pk != invitee_id:
        raise InviteTokenError(
            _(
                "This link was sent to someone else. Sign out first if it is yours, "
                "or ask the teacher to invite you."
            ),
            status=403,
        )
    return invite
