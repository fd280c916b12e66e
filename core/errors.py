"""Domain errors: raised by services with a message meant for the member, in their language.

Pages turn them into form or page messages, the API into its one error shape; nobody
re-words them on the way.
"""


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message, *, code=None, field=None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def __str__(self):
        return str(self.message)


class IllegalTransition(DomainError):
    code = "illegal_transition"


class NotAllowed(DomainError):
    code = "not_allowed"


def add_to_form(form, error):
    """Show a domain error on a Django form: on its field when the form has it, else on top."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, error.message)


class BadUpload(DomainError):
    """An uploaded file that is not what it claims, or too large (core/uploads.py)."""

    code = "bad_upload"


class TooManyAttempts(DomainError):
    """A limit that a service keeps itself (core/rates.py), e.g. tries of a recovery code per
    handle: pages answer it with the 429 page, the API with its 429, both saying when to retry."""

    code = "throttled"

    def __init__(self, message, *, retry_after):
        super().__init__(message)
        self.retry_after = retry_after
