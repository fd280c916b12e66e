"""The REST API (Django REST framework): serializers check the shape of the input only, views
call one selector or service of the domain apps and serialize the result; no business rule
lives here. Tokens are accounts'; the OpenAPI schema is generated from the code.

The top layer with pages and demo: it may use every app, and no app uses it.
"""
