"""The application's URLs plus the bare view the page benchmark compares against."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from micromastery.urls import urlpatterns as application_urlpatterns

BARE = engines["django"].from_string(
    "<!doctype html><title>Bare</title><p>Hello {{ user.get_short_name }}, {{ n }}.</p>"
)


def bare(request: HttpRequest) -> HttpResponse:
    """A tiny template rendered through the same middleware: the framework's floor."""
    return HttpResponse(BARE.render({"user": request.user, "n": 42}, request))


urlpatterns = [path("__bench__/bare/", bare), *application_urlpatterns]
