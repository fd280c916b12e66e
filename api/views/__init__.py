"""The REST API's endpoints, one module per resource. Thin: check the input's shape, call one
selector or service, serialize.

Who may do what is asked of projects/permissions.py (directly, or through the services, which
raise NotAllowed): nothing is decided here that the pages decide elsewhere. A project the viewer
may not see answers 404, as on the pages; an action they may not take answers 403.
"""
