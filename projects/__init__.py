"""Communities, their members and moderators, and projects: what a project is, its lifecycle
(draft → in review → open → closed → completed, or cancelled, each move audited), and who may
do what with it (permissions.py, the questions every other app builds on).

What happens elsewhere when a project moves (its pledges cancelled, a move refused without a
need) goes through hooks.py. Imports only accounts and core.
"""
