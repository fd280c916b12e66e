"""Links for sharing a project: its social card, its badge, a post on a social network."""

from urllib.parse import quote, urlencode

from django import template
from django.urls import reverse

from publishing.social_card import card_version, hashtag_of

register = template.Library()

SHARE_INTENT = "https://twitter.com/intent/tweet"


def _absolute(context, path):
    return context["request"].build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def social_card_url(context, project):
    """The card's absolute URL with its version: a network re-fetches the image when it changes.
    `project` has its needs prefetched with progress (publishing.selectors.project_detail)."""
    path = reverse("publishing:card", kwargs={"slug": project.slug})
    return _absolute(context, f"{path}?v={card_version(project)}")


@register.simple_tag(takes_context=True)
def badge_url(context, project):
    return _absolute(context, reverse("publishing:badge", kwargs={"slug": project.slug}))


@register.simple_tag
def share_post_url(project, page_url):
    """A new post on X/Twitter with the project's title, URL and hashtag, every part URL-encoded."""
    parameters = {"text": project.title, "url": page_url}
    hashtag = hashtag_of(project)
    if hashtag:
        parameters["hashtags"] = hashtag
    return f"{SHARE_INTENT}?{urlencode(parameters, quote_via=quote)}"
