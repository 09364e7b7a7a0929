"""``{% layout_url %}``: the layout's links, reversed once per URL configuration and script
prefix, are the ones ``{% url %}`` gives, wherever the site is mounted."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import get_script_prefix, reverse, set_script_prefix

LINKS = Template(
    "{% load micromastery %}{% layout_url 'home' %} {% layout_url 'practice:catalog' %}"
)


@pytest.fixture
def script_prefix():
    before = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(before)


def test_layout_url_is_the_url_tags_link():
    assert LINKS.render(Context()) == f"{reverse('home')} {reverse('practice:catalog')}"


def test_layout_url_follows_the_script_prefix(script_prefix):
    assert LINKS.render(Context()) == "/ /catalog/"
    script_prefix("/learning/")
    assert LINKS.render(Context()) == "/learning/ /learning/catalog/"
    script_prefix("/")
    assert LINKS.render(Context()) == "/ /catalog/"


def test_layout_url_takes_one_quoted_name():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load micromastery %}{% layout_url home %}")
