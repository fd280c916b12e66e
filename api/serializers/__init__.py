"""The API's shapes, one module per resource. Read serializers present what selectors computed;
write serializers check the shape of the input only (types, lengths, choices): every rule is the
services' (they raise DomainError, which api/errors.py turns into the API's error shape).

Nothing here reads a member's email or a donor's identity except through the rules:
`Pledge.donor_shown_to(viewer)` decides whether an anonymous donor's handle is shown.

Class names are unique across the modules: drf-spectacular names the schema's components
after them.
"""
