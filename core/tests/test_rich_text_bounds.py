"""No text makes a page slow (core/rich_text.py): Markdown longer than MARKDOWN_MAX_CHARACTERS is
cut, texts built to make a parser work hard render in about the time of any other text of their
length (Python-Markdown, before: 5 minutes for 20 000 "[", a RecursionError for "1. 1. 1. …"),
what members really write renders as before, and long texts are kept rendered in the process."""

import time

import pytest

from core import rich_text
from core.rich_text import (
    MARKDOWN_MAX_CHARACTERS,
    markdown_excerpt,
    markdown_html,
    markdown_html_kept,
    within_bound,
)

LENGTH = MARKDOWN_MAX_CHARACTERS
# Each repeated to the longest a story may be; the slowest took minutes, or raised, before.
HOSTILE = [
    "[",
    "![",
    "[ ",
    "[a](",
    '[a](b "',
    "[a](<",
    "[[a]]",
    "](",
    "1. ",
    "+ ",
    "> - ",
    ">",
    "<a ",
    "<http://a",
    "*[a]: b\n",
    "***\n",
    "**a",
    "`",
    "&#",
]


def seconds(text):
    started = time.process_time()
    markdown_html(text)
    return time.process_time() - started


def test_text_beyond_the_bound_is_cut_and_marked():
    text = "a" * (LENGTH + 500)

    assert within_bound(text) == "a" * LENGTH + " …"
    assert str(markdown_html(text)).startswith("<p>aaa")
    assert len(str(markdown_html(text))) < LENGTH + 50


@pytest.mark.parametrize("unit", HOSTILE)
def test_a_hostile_text_renders_in_about_the_time_of_any_text_of_its_length(unit):
    hostile = (unit * (LENGTH // len(unit) + 1))[:LENGTH]
    ordinary = ("Une classe pour **Tighzit**, voir [la carte](https://example.org). " * 400)[:LENGTH]
    seconds(ordinary)  # warm

    # A generous bound for a shared machine: the hostile texts take 20-200 ms here, an ordinary
    # one ~30 ms; before, the slowest took minutes.
    assert seconds(hostile) < max(2.0, 40 * seconds(ordinary))


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[la carte](https://example.org/a_(b))", '<a href="https://example.org/a_(b)"'),
        ('[la carte](https://example.org "Le titre")', 'title="Le titre"'),
        ("[la carte][ref]\n\n[ref]: https://example.org", '<a href="https://example.org"'),
        ("[![badge](/media/b.png)](https://example.org)", '<a href="https://example.org"'),
        ("Une liste [entre crochets] sans lien", "[entre crochets]"),
        ("Un crochet [ qui ne ferme rien", "[ qui ne ferme rien"),
        ("| a | b |\n| - | - |\n| 1 | 2 |", "<td>1</td>"),
        ("~~barré~~", "<s>barré</s>"),
    ],
)
def test_what_members_write_renders_as_written(source, html):
    assert html in str(markdown_html(source))


def test_only_brackets_that_open_nothing_are_escaped():
    assert rich_text._defused("[a](b) [c] d[") == "[a](b) [c] d\\["
    assert rich_text._defused("[[[x]]]") == "[[\\[x]]]"
    assert rich_text._defused("[a](b c d e") == "[a]\\(b c d e"
    assert rich_text._defused("\\[ déjà échappé") == "\\[ déjà échappé"


def test_an_excerpt_is_cut_at_a_paragraph_and_says_so():
    text = "Premier paragraphe.\n\n" + "Deuxième " * 30 + "\n\n" + "Troisième " * 30

    excerpt, cut = markdown_excerpt(text, characters=300)
    whole, not_cut = markdown_excerpt("Court.", characters=300)

    assert cut and excerpt.endswith(" …")
    assert "Troisième" not in excerpt and "Deuxième" in excerpt
    assert (whole, not_cut) == ("Court.", False)


def test_a_long_text_is_rendered_once_per_process_and_a_short_one_every_time(settings, monkeypatch):
    calls = []
    render = rich_text.markdown_html
    monkeypatch.setattr(rich_text, "markdown_html", lambda text: calls.append(text) or render(text))
    rich_text._markdown_html_kept.cache_clear()
    long = "Une longue histoire. " * 100

    first, second = markdown_html_kept(long), markdown_html_kept(long)
    markdown_html_kept("Court."), markdown_html_kept("Court.")
    settings.SITE_URL = "https://elsewhere.example"  # what own images are depends on it
    markdown_html_kept(long)

    assert first == second
    assert calls == [long, "Court.", "Court.", long]
    rich_text._markdown_html_kept.cache_clear()
