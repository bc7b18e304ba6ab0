"""Base classes every form of the product inherits: the form side of the input-cleaning layer.

:class:`CleanInputMixin` (and the ready-made :class:`BaseForm` / :class:`BaseModelForm`)

* cleans every submitted string with :func:`kbridge.core.text.clean_text` *before* any field
  sees it, so what the page shows again after an error is what will be stored (password
  fields are left exactly as typed: a changed password would no longer match its hash);
* refuses line breaks in single-line text fields;
* gives every text field a limit: its own ``max_length``, otherwise
  :data:`~kbridge.core.text.MAX_LINE_CHARS` on one line and
  :data:`~kbridge.core.text.MAX_TEXT_CHARS` in a text area. Every text field (one line or
  several) says its limit in the help text and carries ``data-maxlength`` for the live
  character counter (app.js) rather than ``maxlength``, which browsers enforce by silently
  cutting pasted text (a 2,000-character company name became 200 without a word, issue 11);
  a value over the limit gets our own message with both counts, never Django's stock one;
* cleans the strings inside list and dict values (JSON fields, keyword lists).

``tests/core/test_input_fuzz.py`` enumerates every form class of ``kbridge.*.forms`` and fails
for one that does not inherit the mixin or that has no page exercising it.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kbridge.core.money import AmountError, parse_krw
from kbridge.core.text import (
    MAX_LINE_CHARS,
    MAX_TEXT_CHARS,
    clean_json,
    clean_text,
    count_chars,
    fold_width,
    validate_single_line,
)

__all__ = ["BaseForm", "BaseModelForm", "CleanInputMixin", "KeywordsField", "LengthLimitValidator",
           "MoneyField", "MoneyInput", "limit_help"]


def limit_help(help_text, limit: int):
    """``help_text`` followed by "Up to N characters." (escaped: help text is shown as HTML)."""
    limit_text = gettext("Up to %(limit)s characters.") % {"limit": f"{limit:,}"}
    if not help_text:
        return limit_text
    return format_html("{} {}", help_text, limit_text)


def _is_password(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.PasswordInput)


def _is_multiline(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.Textarea) or getattr(field, "multiline", False)


class LengthLimitValidator(MaxLengthValidator):
    """A text limit with our own message: the limit, the count and how much to cut, with
    thousands separators, counted as people count (:func:`~kbridge.core.text.count_chars`)."""

    message = _("Keep this to %(limit)s characters or fewer: it has %(count)s, "
                "%(over)s too many.")

    def clean(self, value):
        return count_chars(value)

    def __call__(self, value):
        count = self.clean(value)
        if count > self.limit_value:
            raise ValidationError(self.message, code=self.code, params={
                "limit": f"{self.limit_value:,}", "count": f"{count:,}",
                "over": f"{count - self.limit_value:,}", "limit_value": self.limit_value,
                "show_value": count, "value": value})


def _is_typed_text(widget: forms.Widget) -> bool:
    if isinstance(widget, forms.Textarea):
        return True
    return isinstance(widget, forms.widgets.Input) and not widget.is_hidden and \
        widget.input_type in ("text", "email", "url", "search", "tel")


#: Django's own "not one of the choices" messages repeat the value typed and, in Korean, put
#: "이/가" after it; ours says what to do (every choice field of every form).
_INVALID_CHOICE = _("Choose one of the options listed.")
_CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField)


def _limit_field(field: forms.Field) -> None:
    if getattr(field, "_input_limited", False):
        return
    field._input_limited = True
    if isinstance(field, _CHOICE_FIELDS):
        default = type(field).default_error_messages.get("invalid_choice")
        if field.error_messages.get("invalid_choice") in (None, default) or \
                "%(value)s" in str(field.error_messages.get("invalid_choice", "")):
            field.error_messages["invalid_choice"] = _INVALID_CHOICE
    if not isinstance(field, forms.CharField) or _is_password(field):
        return
    if isinstance(field, KeywordsField):
        return  # a list: limits of its own (keywords and characters per keyword)
    multiline = _is_multiline(field)
    if not multiline and validate_single_line not in field.validators:
        field.validators.append(validate_single_line)
    if field.max_length is None:
        field.max_length = MAX_TEXT_CHARS if multiline else MAX_LINE_CHARS
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(LengthLimitValidator(field.max_length))
    field.widget.attrs.pop("maxlength", None)
    if not _is_typed_text(field.widget):
        return  # hidden inputs, choices, dates: nothing to count
    shown = int(field.widget.attrs.setdefault("data-maxlength", field.max_length))
    field.help_text = limit_help(field.help_text, shown)


class CleanInputMixin:
    """Put first in the bases of a form: ``class MyForm(CleanInputMixin, forms.Form)``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_input_limits()
        if self.is_bound:
            self.data = self._cleaned_data_source(self.data)

    def apply_input_limits(self) -> None:
        """Give every text field its limit and line rule (idempotent). Runs at the end of
        ``__init__`` and again before validation and rendering, for forms that add fields
        in their own ``__init__`` after calling ``super()``."""
        for field in self.fields.values():
            _limit_field(field)

    def full_clean(self):
        self.apply_input_limits()
        super().full_clean()

    def __getitem__(self, name):
        self.apply_input_limits()
        return super().__getitem__(name)

    def add_error(self, field, error):
        """Django's ``add_error``, except that errors of ``error`` (a ``ValidationError`` or a
        dict) keyed by a field this form lacks join the form's non-field errors instead of
        raising ``ValueError``: a service names its errors by its own fields (``on`` for a
        stage's date), which a form may call differently (``proposed_on``), and a refusal must
        reach the page, not fail it."""
        if field is None and isinstance(error, dict):
            error = ValidationError(error)
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            known, other = {}, []
            for name, errors in error.error_dict.items():
                if name == NON_FIELD_ERRORS or name in self.fields:
                    known[name] = errors
                else:
                    other.extend(errors)
            if other:
                super().add_error(None, ValidationError(other))
            if not known:
                return
            error = ValidationError(known)
        super().add_error(field, error)

    def _cleaned_data_source(self, data):
        keep = {self.add_prefix(name) for name, field in self.fields.items()
                if _is_password(field)}
        single_line = {self.add_prefix(name) for name, field in self.fields.items()
                       if isinstance(field, forms.CharField) and not _is_multiline(field)
                       and not _is_password(field)}

        def clean(key, value):
            if key in keep or not isinstance(value, str):
                return value
            value = clean_text(value)
            return fold_width(value) if key in single_line else value

        if hasattr(data, "lists"):  # QueryDict / MultiValueDict: every value of every key
            cleaned = data.copy()  # a mutable copy of the same class
            for key, values in data.lists():
                cleaned.setlist(key, [clean(key, v) for v in values])
            return cleaned
        return {key: clean(key, value) for key, value in data.items()}

    def clean(self):
        cleaned = super().clean()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, (list, dict)):
                self.cleaned_data[name] = clean_json(value)
        return self.cleaned_data if cleaned is None else cleaned


def _tighten_integer_bounds(field: forms.IntegerField, model, name: str) -> None:
    """Show and check a number field's real bounds: the tightest of the model's own
    validators (e.g. a budget of at most 10 trillion won, a quota of 1 to 1,000) rather than
    the database's 64-bit range, in the input's ``min``/``max`` and in a message with
    thousands separators."""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field: nothing to tighten
        return
    lows = [v.limit_value for v in model_field.validators
            if isinstance(v, MinValueValidator) and not callable(v.limit_value)]
    highs = [v.limit_value for v in model_field.validators
             if isinstance(v, MaxValueValidator) and not callable(v.limit_value)]
    low = max([*lows, *([field.min_value] if field.min_value is not None else [])],
              default=None)
    high = min([*highs, *([field.max_value] if field.max_value is not None else [])],
               default=None)
    field.validators = [v for v in field.validators
                        if not isinstance(v, MinValueValidator | MaxValueValidator)]
    field.min_value, field.max_value = low, high
    if low is not None:
        field.validators.append(MinValueValidator(low, message=_number_message(
            "Enter a number of at least %(limit)s.", low)))
        if isinstance(field.widget, forms.NumberInput):
            field.widget.attrs["min"] = low
    if high is not None:
        field.validators.append(MaxValueValidator(high, message=_number_message(
            "Enter a number of at most %(limit)s.", high)))
        if isinstance(field.widget, forms.NumberInput):
            field.widget.attrs["max"] = high


def _number_message_now(text: str, limit: int) -> str:
    return gettext(text) % {"limit": f"{limit:,}" if abs(limit) >= 10_000 else str(limit)}


_number_message = lazy(_number_message_now, str)
# The messages, for makemessages (they are translated when shown).
_("Enter a number of at least %(limit)s.")
_("Enter a number of at most %(limit)s.")


class BaseForm(CleanInputMixin, forms.Form):
    """A plain form with the input-cleaning layer."""


class BaseModelForm(CleanInputMixin, forms.ModelForm):
    """A model form with the input-cleaning layer.

    A model rule about a field this form does not show (a partner's track form has no
    funding cap, yet the track's budget rule may name it) is shown at the top of the form;
    Django would raise ``ValueError`` for it, a 500."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField):
                _tighten_integer_bounds(field, self._meta.model, name)

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            for name in [n for n in errors.error_dict
                         if n != NON_FIELD_ERRORS and n not in self.fields]:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                    errors.error_dict.pop(name))
        super()._update_errors(errors)


def _keywords_help_now(count: int, chars: int) -> str:
    return gettext("Separate keywords with commas: at most %(count)s keywords of up to "
                   "%(chars)s characters each.") % {"count": count, "chars": chars}


_keywords_help = lazy(_keywords_help_now, str)


class KeywordsField(forms.CharField):
    """Comma-separated keywords in the form, a list of distinct strings in the model.

    At most ``max_keywords`` keywords of at most ``max_keyword_chars`` characters each; more
    is refused with a message (never cut), and the help text says so."""

    default_error_messages = {
        "too_many": _("Enter at most %(limit)s keywords (you entered %(count)s)."),
        "too_long": _("Keep each keyword to %(limit)s characters or fewer: “%(keyword)s…”."),
    }

    def __init__(self, *, max_keywords: int = 30, max_keyword_chars: int = 60, **kwargs):
        self.max_keywords = max_keywords
        self.max_keyword_chars = max_keyword_chars
        kwargs.setdefault("help_text", _keywords_help(max_keywords, max_keyword_chars))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value):
        text = clean_text(super().to_python(value) or "")
        seen: list[str] = []
        for part in text.replace("\n", ",").split(","):
            word = " ".join(part.split())
            if word and word not in seen:
                seen.append(word)
        return seen

    def validate(self, value):
        super().validate(value)
        if len(value) > self.max_keywords:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many",
                                        params={"limit": self.max_keywords,
                                                "count": len(value)})
        for word in value:
            if len(word) > self.max_keyword_chars:
                raise forms.ValidationError(
                    self.error_messages["too_long"], code="too_long",
                    params={"limit": self.max_keyword_chars,
                            "keyword": word[: self.max_keyword_chars]})



class MoneyInput(forms.TextInput):
    """A text input for an amount in won: shows the stored value with thousands separators
    (``350,000,000``) and asks phones for the numeric keyboard. A value typed in a bound
    form is shown again exactly as typed."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off",
                          "data-money": "", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        return super().format_value(value)


class MoneyField(forms.IntegerField):
    """An amount in whole won, typed as people write amounts (``kbridge.core.money.parse_krw``:
    ``350,000,000``, ``₩350,000,000``, full-width digits, ``3억 5천만``, ``3억5000만원``).

    Negative amounts and fractions of a won are refused with their own message; the page
    shows what was typed again. Use it in a model form through ``Meta.field_classes``."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": _("Enter an amount in won, such as 350,000,000."),
        "negative": _("Enter an amount of 0 won or more, without a minus sign."),
        "decimal": _("Enter a whole number of won, without decimals."),
    }

    def __init__(self, *args, **kwargs):
        # Bounded unless told otherwise: an amount past the database's integers must be a
        # message, not an overflow (``core.validators.MAX_AMOUNT_KRW``, ₩1,000조).
        from kbridge.core.validators import MAX_AMOUNT_KRW

        kwargs.setdefault("max_value", MAX_AMOUNT_KRW)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_krw(str(value))
        except AmountError as exc:
            raise forms.ValidationError(self.error_messages[exc.code], code=exc.code) from exc

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for name in ("min", "max", "step"):  # number-input attributes; this is a text input
            attrs.pop(name, None)
        return attrs
