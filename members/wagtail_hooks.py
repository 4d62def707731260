from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from hub.moderation_admin import (
    MemberDecisionColumn,
    MemberEditView,
    member_decision_urlpatterns,
)
from members.forms import MemberAdminForm
from members.models import ContactRequest, Member
from members.selectors import network_figures
from members.views import admin as member_admin_views


class MemberViewSet(SnippetViewSet):
    """Editors moderate profiles here: approve or refuse pending ones in one
    click from the list, suspend, verify EMES criteria."""

    model = Member
    icon = "group"
    menu_label = _("Members")
    menu_order = 200
    add_to_admin_menu = True
    list_display = [
        "name",
        "kind",
        "status",
        "emes_verified",
        "updated_at",
        MemberDecisionColumn(),
    ]
    list_filter = ["kind", "status", "emes_verified", "is_organisation"]
    search_fields = ["name", "headline", "description"]
    search_backend_name = None
    edit_view_class = MemberEditView
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("name"),
                    FieldPanel("slug"),
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("is_organisation")]),
                    FieldPanel("legal_form"),
                    FieldPanel("enterprise_number"),
                    FieldPanel("headline"),
                    FieldPanel("description"),
                    FieldPanel("sectors"),
                    FieldPanel("disciplines"),
                    FieldPanel("skills"),
                    FieldPanel("languages"),
                    FieldPanel("open_to_collaboration"),
                ],
                heading=_("Profile"),
            ),
            ObjectList(
                [
                    InlinePanel("offers", label=_("Offers")),
                    InlinePanel("seeks", label=_("Seeks")),
                ],
                heading=_("Offers and seeks"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("commune"), FieldPanel("city")]),
                    FieldRowPanel([FieldPanel("postcode"), FieldPanel("country")]),
                    FieldPanel("website"),
                    FieldPanel("logo"),
                    MultiFieldPanel(
                        [FieldPanel("email"), FieldPanel("phone")],
                        heading=_("Private contact data"),
                    ),
                    FieldPanel("visibility"),
                ],
                heading=_("Place and contact"),
            ),
            ObjectList(
                [
                    FieldPanel("emes_social_aim"),
                    FieldPanel("emes_limited_profit"),
                    FieldPanel("emes_wage_ratio"),
                    FieldPanel("emes_economic_viability"),
                    FieldPanel("emes_democratic_governance"),
                    FieldPanel("emes_verified"),
                    FieldRowPanel(
                        [
                            FieldPanel("emes_verified_at", read_only=True),
                            FieldPanel("emes_verified_by", read_only=True),
                        ]
                    ),
                    FieldPanel("regional_recognition"),
                    FieldRowPanel(
                        [
                            FieldPanel("recognition_date"),
                            FieldPanel("recognition_number"),
                        ]
                    ),
                    FieldPanel("recognition_verified"),
                    FieldRowPanel(
                        [
                            FieldPanel("recognition_verified_at", read_only=True),
                            FieldPanel("recognition_verified_by", read_only=True),
                        ]
                    ),
                ],
                heading=_("EMES and recognition"),
            ),
            ObjectList(
                [
                    FieldPanel("status"),
                    FieldPanel("moderation_reason"),
                    FieldRowPanel(
                        [
                            FieldPanel("reviewed_at", read_only=True),
                            FieldPanel("reviewed_by", read_only=True),
                        ]
                    ),
                    InlinePanel("managers", label=_("Managers")),
                ],
                heading=_("Moderation"),
            ),
        ],
        base_form_class=MemberAdminForm,
    )

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), *member_decision_urlpatterns()]


class ContactRequestViewSet(SnippetViewSet):
    model = ContactRequest
    icon = "mail"
    menu_label = _("Contact requests")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["sender", "receiver", "status", "created_at"]
    list_filter = ["status"]
    inspect_view_enabled = True


register_snippet(MemberViewSet)
register_snippet(ContactRequestViewSet)


class NetworkFiguresPanel(Component):
    """Dashboard panel: the network at a glance, and what waits for review."""

    name = "network_figures"
    order = 140
    template_name = "members/admin/network_figures_panel.html"

    def get_context_data(self, parent_context=None):
        return network_figures()


@hooks.register("construct_homepage_panels")
def add_network_figures_panel(request, panels):
    panels.append(NetworkFiguresPanel())


@hooks.register("register_admin_urls")
def register_member_admin_urls():
    return member_admin_views.admin_urlpatterns()


@hooks.register("register_admin_menu_item")
def register_claims_menu_item():
    return MenuItem(
        _("Claims of profiles"), reverse("members_claims"), icon_name="user", order=205
    )


@hooks.register("register_admin_menu_item")
def register_merge_menu_item():
    return MenuItem(
        _("Merge duplicates"), reverse("members_merge"), icon_name="group", order=206
    )
