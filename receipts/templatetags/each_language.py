"""{% in_each_language %}: a part of the receipt once in each of its languages (receipts/pdf.py).

A receipt is in one language, or in two (Arabic and French on one receipt, Issuer.second_language).
Written once in the template, each text is then rendered in every language of the receipt, in
that language (translations, dates) and with `text` set to what pdf.py formatted for it.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import override

register = template.Library()


class InEachLanguageNode(template.Node):
    def __init__(self, nodelist, side_by_side):
        self.nodelist = nodelist
        self.side_by_side = side_by_side

    def render(self, context):
        texts = context["texts"]
        parts = []
        for text in texts:
            with override(text["language"]), context.push(text=text):
                parts.append((text, self.nodelist.render(context)))
        if len(parts) == 1:
            # One language: the part as it is written, with nothing around it.
            return parts[0][1]
        if self.side_by_side:
            halves = "".join(
                f'<div class="half" lang="{text["language"]}" dir="{text["direction"]}">{html}</div>'
                for text, html in parts
            )
            return mark_safe(f'<div class="pair">{halves}</div>')
        # One under the other: the other languages in a span of their own direction, so that
        # their punctuation stays where they put it.
        first, *others = parts
        lines = [first[1]] + [
            f'<span lang="{text["language"]}" dir="{text["direction"]}">{html}</span>' for text, html in others
        ]
        return mark_safe("\n".join(lines))


@register.tag
def in_each_language(parser, token):
    """{% in_each_language %}…{% end_in_each_language %}: the contents once per language of the
    receipt, one under the other (a line break between: the element holding them keeps line
    breaks). {% in_each_language side_by_side %}: in two columns, the first language at the start
    of the line (on the right when it is Arabic). With one language, the contents alone."""
    bits = token.split_contents()
    if len(bits) > 2 or (len(bits) == 2 and bits[1] != "side_by_side"):
        raise template.TemplateSyntaxError("{% in_each_language %} takes nothing or side_by_side")
    nodelist = parser.parse(("end_in_each_language",))
    parser.delete_first_token()
    return InEachLanguageNode(nodelist, side_by_side=len(bits) == 2)
