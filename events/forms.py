from django import forms
from django.utils.translation import gettext_lazy as _

from events.services import MESSAGE_MAX, TEXT_MAX
from members.models import Member


class RegistrationForm(forms.Form):
    member = forms.ModelChoiceField(
        queryset=Member.objects.none(), label=_("Register"), empty_label=None
    )
    offer = forms.CharField(
        label=_("What you offer at this event"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Taken from your profile: change it for this event if you wish."),
    )
    seek = forms.CharField(
        label=_("What you seek at this event"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Taken from your profile: change it for this event if you wish."),
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        if members.count() == 1:
            self.fields["member"].initial = members.first()
            self.fields["member"].widget = forms.HiddenInput()


class MeetingRequestForm(forms.Form):
    message = forms.CharField(
        label=_("A short message"),
        max_length=MESSAGE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
