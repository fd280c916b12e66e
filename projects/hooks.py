"""Events of a project's life that apps above projects act on (core/hooks.py says how).

Declared here, called by projects/services.py inside its transaction, connected in the
AppConfig.ready() of the app that acts.
"""

from core.hooks import Hook

# The project is about to move to `to_status`, its row locked. A handler refuses the move by
# raising a DomainError (donations: no project goes to review without a need).
project_moving = Hook("project_moving", "project", "to_status")

# The project was cancelled, with the reason donors will read. Donations cancels the pledges
# that have not started to arrive.
project_cancelled = Hook("project_cancelled", "project", "actor", "reason")

# A lead is changing the project's currency. A handler refuses by raising a DomainError once
# money is counted in the old one (donations: pledges; publishing: expenses).
currency_changing = Hook("currency_changing", "project")

# The project was created, or its leads edited it (its title, summary, place or hashtag may have
# changed), its row saved. Donations refreshes the words the project list's search finds it by.
project_edited = Hook("project_edited", "project")
