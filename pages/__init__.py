"""The site's pages that show several domains at once: the home page (the project list), a
project's page, a community's page, a member's profile, a lead's dashboard, a donor's pledges.

A layer of its own beside api/ (the REST layer): it reads through the apps' selectors and
leaves every write to the app that owns it, whose forms post there.
"""
