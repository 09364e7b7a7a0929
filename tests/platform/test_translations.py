"""Every interface text is marked, every language's catalogue has all of them, and the
compiled catalogues Django reads match their sources."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

from micromastery.common import translations
from micromastery.common.translations import Message

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def source_messages():
    return translations.source_messages(ROOT)


@pytest.mark.parametrize("language", translations.TRANSLATED_LANGUAGES)
def test_catalogue_has_every_message_translated(source_messages, language):
    assert len(source_messages) > 1000
    assert translations.catalogue_gaps(ROOT, language, source_messages) == []


def test_compiled_catalogues_match_their_sources():
    assert translations.stale_compiled_catalogues(ROOT) == []


def test_no_interface_text_is_left_unmarked():
    assert [str(finding) for finding in translations.unmarked_text(ROOT)] == []


# --- The checks themselves -------------------------------------------------------------------


def _tree(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_unmarked_template_text_is_found_with_its_line(tmp_path):
    root = _tree(
        tmp_path,
        {
            "templates/page.html": (
                "{% load i18n %}<h1>{% translate 'Welcome' %}</h1>\n"
                "<p>Practise today</p>\n"
                '<a href="/" title="Go home">{% translate "Home" %}</a>\n'
                "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}\n"
                "<script>var label = 'Not text';</script>\n"
                "{# a comment, not text #}<!-- an HTML comment -->\n"
                "<span>{{ count }} · Micromastery</span>\n"
            ),
            "templates/email/body.txt": "{% load i18n %}Hi there,\n{% translate 'Bye' %}\n",
        },
    )
    findings = {
        (finding.path, finding.line, finding.text)
        for path in translations.template_sources(root)
        for finding in translations.unmarked_template_text(path, root)
    }
    assert findings == {
        ("templates/page.html", 2, "Practise today"),
        ("templates/page.html", 3, "Go home"),
        ("templates/email/body.txt", 1, "Hi there,"),
    }


def test_unmarked_python_text_is_found_where_people_read_it(tmp_path):
    root = _tree(
        tmp_path,
        {
            "courses/services.py": (
                "from django.utils.translation import gettext as _\n"
                "def publish(version):\n"
                "    raise ApplicationError(f'Add a step to {version}.')\n"
                "def archive(version):\n"
                "    raise ApplicationError(_('This version is archived.'))\n"
                "def note(request):\n"
                "    messages.success(request, 'Saved.')\n"
                "    logger.info('Not for people to read: logs are English.')\n"
            ),
            "courses/models.py": (
                "class Kind(models.TextChoices):\n"
                "    VIDEO = 'video', 'Video clip'\n"
                "class Step(models.Model):\n"
                "    title = models.CharField('step title', max_length=9)\n"
                "    course = models.ForeignKey('courses.Course', on_delete=models.CASCADE)\n"
            ),
        },
    )
    findings = {
        (finding.path, finding.line)
        for path in translations.python_sources(root)
        for finding in translations.unmarked_python_text(path, root)
    }
    assert findings == {
        ("courses/services.py", 3),
        ("courses/services.py", 7),
        ("courses/models.py", 2),
        ("courses/models.py", 4),
    }


def _catalogue(tmp_path, language, entries):
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for entry in entries:
        catalogue.append(entry)
    path = translations.catalogue_path(tmp_path, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))
    catalogue.save_as_mofile(str(translations.catalogue_path(tmp_path, language, "mo")))
    return catalogue


def test_catalogue_gaps_name_missing_untranslated_fuzzy_and_broken_placeholders(tmp_path):
    _catalogue(
        tmp_path,
        "de",
        [
            polib.POEntry(msgid="Save", msgstr="Speichern"),
            polib.POEntry(msgid="Hello %(name)s", msgstr="Hallo %(nom)s"),
            polib.POEntry(msgid="Cancel", msgstr=""),
            polib.POEntry(msgid="Close", msgstr="Schließen", flags=["fuzzy"]),
        ],
    )
    messages = [
        Message("Save"),
        Message("Hello %(name)s"),
        Message("Cancel"),
        Message("Close"),
        Message("Open", context="verb"),
    ]
    gaps = translations.catalogue_gaps(tmp_path, "de", messages)
    assert gaps == [
        "de: untranslated 'Cancel'",
        "de: fuzzy 'Close'",
        "de: placeholders differ in 'Hello %(name)s': 'Hallo %(nom)s'",
        "de: missing 'Open' (context 'verb')",
    ]


def test_a_compiled_catalogue_behind_its_source_is_stale(tmp_path, settings):
    catalogue = _catalogue(tmp_path, "de", [polib.POEntry(msgid="Save", msgstr="Speichern")])
    assert translations.stale_compiled_catalogues(tmp_path) == []
    catalogue.append(polib.POEntry(msgid="Close", msgstr="Schließen"))
    catalogue.save(str(translations.catalogue_path(tmp_path, "de")))
    assert translations.stale_compiled_catalogues(tmp_path) == [
        f"{translations.catalogue_path(tmp_path, 'de', 'mo')} is older than its .po: "
        "run `make messages`"
    ]


def test_messages_of_indented_template_lines_are_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "templates/list.html": (
                "{% load i18n %}<ul>\n  <li>\n    {% translate 'Indented' %}\n  </li>\n"
                "      {% blocktranslate count counter=n %}One rep{% plural %}"
                "{{ counter }} reps{% endblocktranslate %}\n</ul>\n"
            )
        },
    )
    assert translations.source_messages(root) == {
        Message("Indented"),
        Message("One rep", plural="%(counter)s reps"),
    }
