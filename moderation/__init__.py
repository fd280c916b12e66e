"""Moderation: members' flags on content, the community moderation queue and its audit.

- `models.py`: Flag (a member's report of a project, an update, a pledge's message or a
  profile) and ModerationAction (the audit row of every moderation decision, never edited);
- `services.py`: every write (flagging, with the hiding threshold; a moderator's decisions:
  approve or send back a project, restore or remove flagged content, correct a pledge, suspend
  or lift a member), each one transaction, confined to the moderator's community;
- `selectors.py`: the queue's reads; `permissions.py`: who moderates where;
- `views.py`: the flag page (/flag/<kind>/<id>/) and the queue (/c/<slug>/moderate/).

The content's hidden state lives on the content (core/hiding.py): the apps below filter their
own public reads, and only this app's services set or clear it.
"""
