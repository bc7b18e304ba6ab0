"""Forms of collaborations (docs/alliance.md, "Collaborations")."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.alliance.models import Collaboration
from kbridge.core.forms import BaseForm, BaseModelForm, MoneyField
from kbridge.programs.forms import DateInput


class CollaborationForm(BaseModelForm):
    """A new collaboration: the partner (of one program), the startup, what and how much."""

    class Meta:
        model = Collaboration
        fields = ["partner", "startup", "kind", "title", "description", "amount_krw",
                  "proposed_on"]
        field_classes = {"amount_krw": MoneyField}
        widgets = {"proposed_on": DateInput(),
                   "description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"proposed_on": _("The day it was proposed (KST), today at the latest."),
                      "amount_krw": _("The value in won where it has one: credits, a PoC "
                                      "budget, an investment.")}

    def __init__(self, *args, partners=None, startups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["partner"].label_from_instance = lambda p: (
            f"{p.organisation} · {p.program}")
        self.fields["startup"].queryset = startups

    def _post_clean(self):
        # The service checks the whole row (program from the partner, dates against today);
        # only the fields' own rules are checked here.
        pass


class CollaborationEditForm(BaseModelForm):
    """What changes after creation: title, kind (while proposed), description, amount."""

    class Meta:
        model = Collaboration
        fields = ["title", "kind", "description", "amount_krw"]
        field_classes = {"amount_krw": MoneyField}
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.stage != Collaboration.Stage.PROPOSED:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("Fixed once the collaboration was agreed.")

    def _post_clean(self):
        pass


class StageForm(BaseForm):
    """Move a collaboration to one of its next stages on a day (KST)."""

    to = forms.ChoiceField(label=_("new stage"), choices=())
    on = forms.DateField(label=_("date"), widget=DateInput(),
                         help_text=_("KST; not before the previous stage's date, not after "
                                     "today."))
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, collaboration: Collaboration, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s.value, s.label) for s in
                                     (Collaboration.Stage(v) for v in
                                      Collaboration.NEXT[collaboration.stage])]
