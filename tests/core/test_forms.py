

def test_a_service_error_on_a_field_the_form_lacks_joins_the_forms_own_errors():
    """Django raises ValueError for it: a 500 where the page should show the refusal (the
    collaboration form's ``proposed_on`` refused by the service as ``on``)."""
    from django import forms
    from django.core.exceptions import ValidationError

    from kbridge.core.forms import BaseForm

    class DateForm(BaseForm):
        title = forms.CharField()

    form = DateForm({"title": "PoC"})
    assert form.is_valid()
    form.add_error(None, ValidationError({"title": "too short", "on": "after today"}))
    assert form.errors == {"title": ["too short"], "__all__": ["after today"]}
    form.add_error(None, {"elsewhere": ["unknown"]})
    assert form.non_field_errors() == ["after today", "unknown"]
