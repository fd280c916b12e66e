"""Form widgets the pages share."""

from django import forms


class DateInput(forms.DateInput):
    """A date picker on phones (<input type="date">), whose value is always YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
