"""What a project publishes: milestones, updates (and their emails), expenses, photos, the
timeline that orders them with the progress thresholds reached; and what it shows outside its
page: Atom feeds, the social card, the progress badge and the progress report (PDF).

Services, one module per thing published: milestones.py, updates.py (update_emails.py sends
their emails), expenses.py, photos.py; reads in selectors.py and timeline.py. Imports donations,
projects, accounts and core; never payments or receipts.
"""
