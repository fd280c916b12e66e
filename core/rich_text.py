"""Text that members write in Markdown (a project's story, an update), as safe HTML."""

import markdown
import nh3
from django.utils.safestring import mark_safe


def markdown_html(text):
    """Markdown rendered, then sanitised by nh3: no scripts, no styles, no event attributes, and
    links marked as the members' own (nofollow, ugc)."""
    rendered = markdown.markdown(text or "", extensions=["extra", "sane_lists"])
    return mark_safe(nh3.clean(rendered, link_rel="nofollow noopener noreferrer ugc"))
