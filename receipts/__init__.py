"""Receipts: the issuers (the associations that sign them), their numbering without gap or
duplicate (numbering.py), what a receipt prints, taken once (snapshots.py), issuing, voiding and
replacing per gift (services.py), yearly receipts (yearly.py), the PDF (pdf.py) stored once
and emailed (delivery.py), and the public verification page.

A reception reaches receipts through donations.hooks.pledge_received_changed (apps.py).
Imports donations, projects, accounts and core; never payments or publishing.
"""
