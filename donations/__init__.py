"""Needs, pledges and receptions: what a project asks for, what donors promise, what arrived
(and what card refunds gave back), with the audit of every pledge's moves.

- services.py: every write (one transaction, locks taken project → need → pledge);
- progress.py: progress summed in SQL, the one definition of pledged, received, missing;
- selectors.py: the lists built on it (projects with progress, pledges, supporters);
- thresholds.py: 25, 50, 75 and 100 % of a need received, recorded once;
- hooks.py: the events higher apps act on (a receipt, a line of the timeline, a card check).

Imports only projects, accounts and core.
"""
