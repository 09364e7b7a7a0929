from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import Team, User
from payoff.dashboard.scope import dashboard_offered

# Whether the signed-in person manages a team, found once at sign-in. The layout reads it
# from the session (loaded anyway) so that no page pays a query for the navigation link;
# someone made a manager mid-session gets the link at their next sign-in, and the home
# page's own Payoff card (which lists the managed teams) at once.
MANAGES_TEAMS_SESSION_KEY = "payoff_manages_teams"


def remember_manages_teams(sender: object, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """Receiver of ``user_logged_in``: the session is being written then anyway."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[MANAGES_TEAMS_SESSION_KEY] = Team.objects.managed_by(user).exists()


def dashboard_link(request: HttpRequest) -> dict[str, Any]:
    """``shows_dashboard``: whether the navigation offers the payoff dashboard."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    manages_teams = bool(request.session.get(MANAGES_TEAMS_SESSION_KEY, False))
    return {"shows_dashboard": dashboard_offered(viewer=user, manages_teams=manages_teams)}
