"""Members: pseudonymous accounts (a public handle, an optional private email), signing up and
logging in by handle or email, and the API tokens a member makes for their bots.

The lowest app: it imports none of the others (pyproject.toml, [tool.importlinter]).
"""
