"""Who may reach what: every URL pattern and API endpoint × five roles.

The list of patterns comes from the URL resolver, so a new URL fails
`test_every_url_pattern_is_classified` until it gets a row here. Wagtail's
admin internals are left to Wagtail's own permission system; the admin's entry
points have rows. Statuses are exact: 200 a page, 302 a redirect (to the
log-in page for anonymous visitors: checked), 403/404 refused or hidden, 405
a wrong method.

The second half seeds secret values (private e-mail, phone, sections hidden
from the public) and scans raw index documents, public pages, the public
export and API responses for them.
"""

import json
import re
import uuid

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

import pytest
from elasticsearch.helpers import scan

from events.tests.factories import events_world_build
from hub.tests.factories import calls_build, site_tree_build
from hub.tests.worlds import (
    MEMBERS_ONLY,
    PRIVATE_COLLABORATOR,
    ROLES,
    SECRETS,
    STOPPED_NAMES,
    world_build,
)
from members.notifications import unsubscribe_token
from search.client import get_client, index_alias
from search.documents import DOCUMENTS
from search.indices import indices_drop
from search.services import index_rebuild, index_refresh

# URL names deliberately left out: Wagtail admin internals (own permission
# system, tested upstream) and the password forms of view restrictions, which
# need a restriction to exist (covered by the `restricted page` rows).
EXCLUDED_PREFIXES = ("admin/",)
EXCLUDED_NAMES = {
    "wagtaildocs_authenticate_with_password",
    "wagtailcore_authenticate_with_password",
}

A, M, O, E, S, U, P = ROLES  # noqa: E741
LOGIN = "login"  # a 302 to the log-in page


def every(status):
    return dict.fromkeys(ROLES, status)


def logged_in(anonymous=LOGIN, **statuses):
    return {A: anonymous, **statuses}


# name: (args builder, method, {role: status}); a name may carry several rows
# as "name#variant".
CASES = {
    # Public pages and search
    "wagtail_serve#home": (lambda w: w.pages["home"], "get", every(200)),
    "wagtail_serve#standard": (lambda w: w.pages["standard"], "get", every(200)),
    "wagtail_serve#form": (lambda w: w.pages["form"], "get", every(200)),
    "wagtail_serve#missing": (lambda w: "/en/no-such-page/", "get", every(404)),
    "sitemap": ((), "get", every(200)),
    "robots_txt": ((), "get", every(200)),
    "favicon": ((), "get", every(301)),
    "search": ((), "get", every(200)),
    "search_autocomplete": ((), "get", every(200)),
    "members:list": ((), "get", every(200)),
    "members_map": ((), "get", every(200)),
    "projects_map": ((), "get", every(200)),
    "projects:list": ((), "get", every(200)),
    "members:detail": (lambda w: [w.o["target"].slug], "get", every(200)),
    "members:detail#pending": (
        lambda w: [w.o["person"].slug],
        "get",
        {A: 404, M: 404, O: 404, E: 200, S: 200, U: 404, P: 404},
    ),
    "projects:detail": (lambda w: [w.o["published"].slug], "get", every(200)),
    "projects:detail#draft": (
        lambda w: [w.o["draft"].slug],
        "get",
        {A: 404, M: 200, O: 404, E: 200, S: 200, U: 404, P: 404},
    ),
    "set_language": ((), "get", every(302)),
    "page_in_language": (lambda w: [w.pages["standard_id"]], "get", every(302)),
    "wagtaildocs_serve": (
        lambda w: [w.o["document"].pk, w.o["document"].filename],
        "get",
        every(200),
    ),
    "wagtailcore_login": ((), "get", every(200)),
    # Accounts
    "account_login": (
        (),
        "get",
        {A: 200, M: 302, O: 302, E: 302, S: 302, U: 302, P: 302},
    ),
    "account_signup": (
        (),
        "get",
        {A: 200, M: 302, O: 302, E: 302, S: 302, U: 302, P: 302},
    ),
    "account_logout": (
        (),
        "get",
        {A: 302, M: 200, O: 200, E: 200, S: 200, U: 200, P: 200},
    ),
    "account_inactive": ((), "get", every(200)),
    "account_reauthenticate": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "account_request_reauthentication_code": ((), "get", every(302)),
    "account_confirm_reauthentication_code": ((), "get", every(302)),
    "account_email": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "account_email_verification_sent": ((), "get", every(200)),
    "account_change_password": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "account_set_password": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 302))),
    "account_reset_password": ((), "get", every(200)),
    "account_reset_password_done": ((), "get", every(200)),
    "account_confirm_login_code": ((), "get", every(302)),
    "account_confirm_email": (["no-such-key"], "get", every(200)),
    "account_reset_password_from_key": (["1", "bad-key"], "get", every(200)),
    "account_reset_password_from_key_done": ((), "get", every(200)),
    # Dashboard and privacy
    "dashboard:home": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "dashboard:account_settings": (
        (),
        "get",
        logged_in(**dict.fromkeys(ROLES[1:], 200)),
    ),
    "dashboard:privacy": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "dashboard:privacy_export": (
        (),
        "get",
        logged_in(**dict.fromkeys(ROLES[1:], 200)),
    ),
    "dashboard:privacy_delete": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 405))),
    "dashboard:dismiss_project": (
        lambda w: [w.o["target"].pk, w.o["elsewhere"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "dashboard:dismiss_member": (
        lambda w: [w.o["target"].pk, w.o["other"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    # Saved searches, e-mail preferences and one-click unsubscribe
    "alerts:list": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "alerts:save": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 405))),
    "alerts:update": ([0], "post", logged_in(**dict.fromkeys(ROLES[1:], 404))),
    "alerts:delete": ([0], "post", logged_in(**dict.fromkeys(ROLES[1:], 404))),
    "alerts:preferences": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 405))),
    "alerts:unsubscribe": (
        lambda w: [unsubscribe_token(user=w.users["member"], kind="digest")],
        "get",
        every(200),
    ),
    "alerts:unsubscribe#forged": (["forged:token"], "get", every(400)),
    "alerts:notifications": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "alerts:bell": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "alerts:notifications_read": (
        (),
        "get",
        logged_in(**dict.fromkeys(ROLES[1:], 405)),
    ),
    # Follows (any account may follow what may appear) and calls
    "alerts:follows": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "alerts:follow_member": (
        lambda w: [w.o["other"].slug],
        "post",
        logged_in(**dict.fromkeys(ROLES[1:], 302)),
    ),
    "alerts:follow_member#get": (
        lambda w: [w.o["other"].slug],
        "get",
        logged_in(**dict.fromkeys(ROLES[1:], 405)),
    ),
    "alerts:follow_member#suspended": (
        lambda w: [w.o["suspended"].slug],
        "post",
        logged_in(**dict.fromkeys(ROLES[1:], 404)),
    ),
    "alerts:follow_project": (
        lambda w: [w.o["published"].slug],
        "post",
        logged_in(**dict.fromkeys(ROLES[1:], 302)),
    ),
    "alerts:follow_project#draft": (
        lambda w: [w.o["draft"].slug],
        "post",
        logged_in(**dict.fromkeys(ROLES[1:], 404)),
    ),
    "wagtail_serve#calls": (lambda w: w.o["call_index"].url, "get", every(200)),
    "wagtail_serve#call": (lambda w: w.o["call"].url, "get", every(200)),
    "wagtail_serve#call_closed": (
        lambda w: w.o["call_closed"].url,
        "get",
        every(200),
    ),
    # Contact requests
    "contacts:list": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "contacts:new": (
        lambda w: [w.o["sender"].slug],
        "get",
        {A: LOGIN, M: 200, O: 200, E: 200, S: 200, U: 200, P: 200},
    ),
    "contacts:detail": (
        lambda w: [w.o["contact"].pk],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "contacts:accept": (
        lambda w: [w.o["contact"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "contacts:decline": (
        lambda w: [w.o["contact"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "contacts:withdraw": (
        lambda w: [w.o["contact"].pk],
        "post",
        {A: LOGIN, M: 403, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "contacts:collaboration": (
        lambda w: [w.o["contact"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    # Member profiles
    "members:create": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "members:edit": (
        lambda w: [w.o["target"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 200, S: 200, U: 404, P: 404},
    ),
    "members:managers": (
        lambda w: [w.o["target"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 200, S: 200, U: 404, P: 404},
    ),
    "members:manager_remove": (
        lambda w: [w.o["target"].slug, w.o["co"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 302, S: 302, U: 404, P: 404},
    ),
    # Manager invitations: only the invited account sees one (none here).
    "members:manager_invitation": (
        [999_999],
        "get",
        logged_in(**dict.fromkeys(ROLES[1:], 404)),
    ),
    "members:manager_invitation_accept": (
        [999_999],
        "post",
        logged_in(**dict.fromkeys(ROLES[1:], 404)),
    ),
    "members:manager_invitation_decline": (
        [999_999],
        "post",
        logged_in(**dict.fromkeys(ROLES[1:], 404)),
    ),
    # Claims: a managed profile has no claim form (a 404 that reveals nothing).
    "members:claim": (
        lambda w: [w.o["target"].slug],
        "get",
        logged_in(**dict.fromkeys(ROLES[1:], 404)),
    ),
    "members:affiliations": (
        lambda w: [w.o["target"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 200, S: 200, U: 404, P: 404},
    ),
    "members:affiliation_remove": (
        lambda w: [w.o["target"].slug, w.o["affiliation"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 302, S: 302, U: 404, P: 404},
    ),
    # Experiments
    "projects:create": ((), "get", logged_in(**dict.fromkeys(ROLES[1:], 200))),
    "projects:edit": (
        lambda w: [w.o["draft"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:needs": (
        lambda w: [w.o["draft"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:partners": (
        lambda w: [w.o["draft"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:partner_remove": (
        lambda w: [w.o["published"].slug, w.o["partner"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:submit": (
        lambda w: [w.o["draft"].slug],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:publish": (
        lambda w: [w.o["submitted"].slug],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 302, S: 302, U: 404, P: 404},
    ),
    "projects:archive": (
        lambda w: [w.o["published"].slug],
        "post",
        {A: LOGIN, M: 302, O: 403, E: 302, S: 302, U: 403, P: 403},
    ),
    "projects:reopen": (
        lambda w: [w.o["published"].slug],
        "post",
        {A: LOGIN, M: 302, O: 403, E: 302, S: 302, U: 403, P: 403},
    ),
    "projects:partnership_confirm": (
        lambda w: [w.o["invite"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:partnership_decline": (
        lambda w: [w.o["invite"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:suggested_partners": (
        lambda w: [w.o["published"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:team": (
        lambda w: [w.o["published"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:team#draft": (
        lambda w: [w.o["draft"].slug],
        "get",
        {A: LOGIN, M: 200, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    "projects:suggestion_dismiss": (
        lambda w: [w.o["published"].slug, w.o["other"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 404, P: 404},
    ),
    # JSON API
    "api-v1:api-root": ((), "get", every(404)),
    "api-v1:openapi-json": ((), "get", every(200)),
    "api-v1:openapi-view": ((), "get", every(200)),
    "api-v1:members_search": ((), "get", every(200)),
    "api-v1:projects_search": ((), "get", every(200)),
    "api-v1:member_detail": (lambda w: [w.o["target"].slug], "get", every(200)),
    "api-v1:member_detail#pending": (
        lambda w: [w.o["person"].slug],
        "get",
        every(404),
    ),
    "api-v1:project_detail": (lambda w: [w.o["published"].slug], "get", every(200)),
    "api-v1:project_detail#draft": (lambda w: [w.o["draft"].slug], "get", every(404)),
    "api-v1:member_matches": (lambda w: [w.o["target"].slug], "get", every(200)),
    "api-v1:project_matches": (lambda w: [w.o["published"].slug], "get", every(200)),
    "api-v1:draft_matches": ((), "post", every(400)),
    "api-v1:project_team": (lambda w: [w.o["published"].slug], "get", every(200)),
    "api-v1:project_team#draft": (lambda w: [w.o["draft"].slug], "get", every(404)),
    "api-v1:draft_team": ((), "post", every(400)),
    # A suspended member and a member awaiting review: hidden from everyone
    # but their managers (a preview) and editors; their managers act on
    # nothing (403), a pending member's managers still prepare drafts.
    "members:detail#suspended": (
        lambda w: [w.o["suspended"].slug],
        "get",
        {A: 404, M: 404, O: 404, E: 200, S: 200, U: 200, P: 404},
    ),
    "members:detail#own_pending": (
        lambda w: [w.o["pending_member"].slug],
        "get",
        {A: 404, M: 404, O: 404, E: 200, S: 200, U: 404, P: 200},
    ),
    "members:edit#suspended": (
        lambda w: [w.o["suspended"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 200, S: 200, U: 403, P: 404},
    ),
    "members:edit#own_pending": (
        lambda w: [w.o["pending_member"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 200, S: 200, U: 404, P: 200},
    ),
    "members:managers#suspended": (
        lambda w: [w.o["suspended"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 200, S: 200, U: 403, P: 404},
    ),
    "members:affiliations#suspended": (
        lambda w: [w.o["suspended"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 200, S: 200, U: 403, P: 404},
    ),
    "projects:detail#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        {A: 404, M: 404, O: 404, E: 200, S: 200, U: 200, P: 404},
    ),
    "projects:detail#pending": (
        lambda w: [w.o["pending_member_project"].slug],
        "get",
        {A: 404, M: 404, O: 404, E: 200, S: 200, U: 404, P: 200},
    ),
    "projects:edit#suspended": (
        lambda w: [w.o["suspended_draft"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "projects:edit#pending": (
        lambda w: [w.o["pending_draft"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 404, P: 200},
    ),
    "projects:needs#suspended": (
        lambda w: [w.o["suspended_draft"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "projects:partners#suspended": (
        lambda w: [w.o["suspended_draft"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "projects:partners#pending": (
        lambda w: [w.o["pending_draft"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 404, P: 200},
    ),
    "projects:submit#suspended": (
        lambda w: [w.o["suspended_draft"].slug],
        "post",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "projects:suggested_partners#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "projects:team#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "contacts:accept#suspended": (
        lambda w: [w.o["suspended_incoming"].pk],
        "post",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "contacts:accept#pending": (
        lambda w: [w.o["pending_member_incoming"].pk],
        "post",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 404, P: 403},
    ),
    "contacts:decline#suspended": (
        lambda w: [w.o["suspended_incoming"].pk],
        "post",
        {A: LOGIN, M: 404, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "contacts:accept#from_suspended": (
        lambda w: [w.o["suspended_outgoing"].pk],
        "post",
        {A: LOGIN, M: 302, O: 404, E: 404, S: 404, U: 403, P: 404},
    ),
    "api-v1:member_detail#suspended": (
        lambda w: [w.o["suspended"].slug],
        "get",
        every(404),
    ),
    "api-v1:member_matches#suspended": (
        lambda w: [w.o["suspended"].slug],
        "get",
        every(404),
    ),
    "api-v1:project_detail#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        every(404),
    ),
    "api-v1:project_detail#pending": (
        lambda w: [w.o["pending_member_project"].slug],
        "get",
        every(404),
    ),
    "api-v1:project_matches#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        every(404),
    ),
    "api-v1:project_team#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        every(404),
    ),
    # Matchmaking at events (events/): anyone sees the public participant
    # list; only a participating, published member sees the rest and acts.
    # M manages the target (asked for a meeting by O's member); U's and P's
    # members are registered but suspended or awaiting review.
    "events:participants": (lambda w: [w.o["matchmaking"].pk], "get", every(200)),
    "events:register": (
        lambda w: [w.o["matchmaking"].pk],
        "get",
        {A: LOGIN, M: 200, O: 200, E: 403, S: 403, U: 403, P: 403},
    ),
    "events:suggestions": (
        lambda w: [w.o["matchmaking"].pk],
        "get",
        {A: LOGIN, M: 200, O: 200, E: 403, S: 403, U: 403, P: 403},
    ),
    "events:agenda": (
        lambda w: [w.o["matchmaking"].pk],
        "get",
        {A: LOGIN, M: 200, O: 200, E: 403, S: 403, U: 403, P: 403},
    ),
    "events:agenda_ical": (
        lambda w: [w.o["matchmaking"].pk],
        "get",
        {A: LOGIN, M: 200, O: 200, E: 403, S: 403, U: 403, P: 403},
    ),
    "events:request": (
        lambda w: [w.o["matchmaking"].pk, w.o["matchmaking_target"].pk],
        "post",
        {A: LOGIN, M: 302, O: 302, E: 403, S: 403, U: 403, P: 403},
    ),
    "events:request#get": (
        lambda w: [w.o["matchmaking"].pk, w.o["matchmaking_target"].pk],
        "get",
        {A: LOGIN, M: 405, O: 405, E: 405, S: 405, U: 405, P: 405},
    ),
    "events:answer": (
        lambda w: [w.o["matchmaking"].pk, w.o["matchmaking_request"].pk, "accept"],
        "post",
        {A: LOGIN, M: 302, O: 403, E: 403, S: 403, U: 403, P: 403},
    ),
    "events:answer#decline": (
        lambda w: [w.o["matchmaking"].pk, w.o["matchmaking_request"].pk, "decline"],
        "post",
        {A: LOGIN, M: 302, O: 403, E: 403, S: 403, U: 403, P: 403},
    ),
    "api-v1:event_participants": (
        lambda w: [w.o["matchmaking"].pk],
        "get",
        every(200),
    ),
    "api-v1:event_agenda": (
        lambda w: [w.o["matchmaking"].pk],
        "get",
        {A: 401, M: 200, O: 200, E: 403, S: 403, U: 403, P: 403},
    ),
    # Health and metrics (metrics: the test client comes from loopback)
    "healthz": ((), "get", every(200)),
    "readyz": ((), "get", every(200)),
    "metrics": ((), "get", every(200)),
    # Reports: anyone may report a public profile or experiment; what is not
    # public is a 404, as its page is.
    "report:member": (lambda w: [w.o["target"].slug], "get", every(200)),
    "report:member#suspended": (lambda w: [w.o["suspended"].slug], "get", every(404)),
    "report:project": (lambda w: [w.o["published"].slug], "get", every(200)),
    "report:project#suspended": (
        lambda w: [w.o["suspended_project"].slug],
        "get",
        every(404),
    ),
    # Admin entry points (internals are Wagtail's)
    "wagtailadmin_home": (
        (),
        "get",
        {A: 302, M: 302, O: 302, E: 200, S: 200, U: 302, P: 302},
    ),
    "wagtailadmin_login": (
        (),
        "get",
        {A: 200, M: 200, O: 200, E: 302, S: 302, U: 200, P: 200},
    ),
}


def url_patterns(patterns=None, prefix="", namespace=None):
    """(route, name) of every pattern the resolver knows, namespaces included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace
                    else (pattern.namespace)
                )
            yield from url_patterns(
                pattern.url_patterns, prefix + str(pattern.pattern), ns
            )
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (
                f"{namespace}:{pattern.name}" if namespace else pattern.name
            )
            yield prefix + str(pattern.pattern), name


def classified_patterns():
    routes = {}
    for route, name in url_patterns():
        bare = route.lstrip("^")
        if re.sub(r"^[a-z]{2}/", "", bare).startswith(EXCLUDED_PREFIXES):
            continue
        routes[route] = name
    return routes


def test_every_url_pattern_is_classified():
    """Every named public pattern has a row; unnamed patterns do not exist."""
    routes = classified_patterns()
    unnamed = [route for route, name in routes.items() if not name]
    assert not unnamed, f"unnamed URL patterns cannot be classified: {unnamed}"
    names = set(routes.values()) - EXCLUDED_NAMES
    covered = {case.split("#")[0] for case in CASES}
    missing = sorted(names - covered)
    assert not missing, f"URL patterns missing from the access table: {missing}"
    stale = sorted(covered - names - {"wagtailadmin_home", "wagtailadmin_login"})
    assert not stale, f"rows for URL names that no longer exist: {stale}"


class WorldView:
    def __init__(self, world, tree):
        self.users = world.users
        self.o = world.objects
        self.pages = {
            "home": tree.home.url,
            "standard": tree.standard.url,
            "standard_id": tree.standard.pk,
            "form": tree.form.url,
        }


@pytest.fixture(scope="module")
def access_world(
    django_db_setup, django_db_blocker, elasticsearch_url, tmp_path_factory
):
    """One network for the whole module, indexed in its own prefix on the real
    node; every test runs in a savepoint of the transaction holding it."""
    overrides = override_settings(
        ELASTICSEARCH_URL=elasticsearch_url,
        HUB_INDEX_PREFIX=f"test-access-{uuid.uuid4().hex[:8]}",
        HUB_EMBEDDINGS=False,
        # Documents are served from disk: the in-memory storage has no path.
        STORAGES={
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        },
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
    )
    overrides.enable()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            tree = site_tree_build()
            world = world_build()
            world.objects.update(
                events_world_build(objects=world.objects, page=tree.event)
            )
            world.objects.update(calls_build(home=tree.home))
            for document in DOCUMENTS:
                index_rebuild(document=document)
            index_refresh()
            yield WorldView(world, tree)
            transaction.set_rollback(True)
            indices_drop()
    finally:
        overrides.disable()


def _url(name, args, world):
    args = args(world) if callable(args) else args
    if isinstance(args, str):
        return args
    return reverse(name.split("#")[0], args=list(args))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_access_matrix(db, client, access_world, role, case):
    args, method, expected = CASES[case]
    name = case.split("#")[0]
    with translation.override("en"):
        url = _url(name, args, access_world)
    if role != "anonymous":
        client.force_login(access_world.users[role])
    response = getattr(client, method)(url)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302, f"{case} as {role}"
        assert "/login/" in response["Location"], response["Location"]
    else:
        assert response.status_code == want, (
            f"{case} as {role}: {response.status_code}, expected {want}"
        )
        if want == 302 and role != "anonymous":
            assert "/accounts/login/" not in response["Location"]


# -- leaks ---------------------------------------------------------------------


def _scan_for_secrets(text: str, *, allow=()) -> list[str]:
    lowered = text.lower()
    return [
        key
        for key, value in SECRETS.items()
        if key not in allow and value.lower() in lowered
    ]


def test_secrets_never_in_raw_index_documents(db, access_world):
    """The stored sources of every member and project document hold none of
    the seeded private values, not even members-only ones."""
    client = get_client()
    for document in DOCUMENTS:
        hits = list(scan(client, index=index_alias(document)))
        assert hits
        for hit in hits:
            assert _scan_for_secrets(json.dumps(hit["_source"])) == []


@pytest.mark.parametrize("role", ["anonymous", "other"])
def test_secrets_never_on_public_pages(db, client, access_world, role):
    """Profile, experiment, lists, search and home page, seen by a visitor or
    by an unrelated member: no private value (members-only sections are shown
    to logged-in members by design)."""
    allow = MEMBERS_ONLY if role == "other" else ()
    if role != "anonymous":
        client.force_login(access_world.users[role])
    w = access_world
    with translation.override("en"):
        urls = [
            reverse("members:detail", args=[w.o["target"].slug]),
            reverse("projects:detail", args=[w.o["published"].slug]),
            reverse("members:list"),
            reverse("members:list") + "?q=narwhal",
            reverse("members:list") + "?q=okapi",
            reverse("projects:list"),
            reverse("search") + "?q=quokka",
            reverse("search_autocomplete") + "?q=secret",
            reverse("sitemap"),
            w.pages["home"],
            reverse("events:participants", args=[w.o["matchmaking"].pk]),
            reverse("events:participants", args=[w.o["matchmaking"].pk]) + "?q=narwhal",
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _scan_for_secrets(response.content.decode(), allow=allow) == [], url


def test_secrets_never_in_api_responses(db, client, access_world):
    """Search, detail and matches endpoints answer without private values."""
    w = access_world
    urls = [
        reverse("api-v1:members_search") + "?q=narwhal",
        reverse("api-v1:members_search") + "?q=Target",
        reverse("api-v1:projects_search"),
        reverse("api-v1:member_detail", args=[w.o["target"].slug]),
        reverse("api-v1:project_detail", args=[w.o["published"].slug]),
        reverse("api-v1:member_matches", args=[w.o["other"].slug]),
        reverse("api-v1:project_matches", args=[w.o["elsewhere"].slug]),
        reverse("api-v1:event_participants", args=[w.o["matchmaking"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _scan_for_secrets(response.content.decode()) == [], url
    # Hidden sections are not searchable either.
    for secret in ("Okapiville", "narwhal", "dugong", "secretskillaxolotl"):
        response = client.get(reverse("api-v1:members_search"), {"q": secret})
        assert response.json()["total"] == 0, secret


def test_private_collaborations_never_cited_anonymously(db, client, access_world):
    """Every API endpoint and public page an anonymous visitor can reach about
    the target, its partners and its experiments (matches included, and a
    draft naming it as partner) neither names the member it started a private
    collaboration with nor carries a contact request id."""
    w = access_world
    members = [w.o[name] for name in ("target", "sender", "other")]
    projects = [w.o[name] for name in ("published", "elsewhere")]
    with translation.override("en"):
        urls = [reverse("members:detail", args=[m.slug]) for m in members]
        urls += [reverse("projects:detail", args=[p.slug]) for p in projects]
        urls += [reverse("api-v1:member_detail", args=[m.slug]) for m in members]
        urls += [reverse("api-v1:member_matches", args=[m.slug]) for m in members]
        urls += [reverse("api-v1:project_detail", args=[p.slug]) for p in projects]
        urls += [reverse("api-v1:project_matches", args=[p.slug]) for p in projects]
    bodies = []
    for url in urls:
        response = client.get(url, {"size": 50})
        assert response.status_code == 200, url
        bodies.append((url, response.content.decode()))
    for partners in ([w.o["target"].slug], [w.o["target"].slug, w.o["sender"].slug]):
        response = client.post(
            reverse("api-v1:draft_matches"),
            {"title": "Working together", "partners": partners, "size": 50},
            content_type="application/json",
        )
        assert response.status_code == 200
        bodies.append((f"draft {partners}", response.content.decode()))
    for url, body in bodies:
        assert "contact_request_id" not in body, url
        if "/matches" in url or url.startswith("draft"):
            found = json.loads(body)
            matches = [m for key in found if key != "kind" for m in found[key]]
            reasons = json.dumps([m["reasons"] for m in matches], ensure_ascii=False)
            assert PRIVATE_COLLABORATOR not in reasons, url


def _stopped_named(text: str) -> list[str]:
    lowered = text.lower()
    return [name for name in STOPPED_NAMES if name.lower() in lowered]


def test_stopped_members_never_in_raw_index_documents(db, access_world):
    """No member or experiment document names a suspended, pending or refused
    member or one of its experiments (track records and partner lists
    included)."""
    client = get_client()
    for document in DOCUMENTS:
        for hit in scan(client, index=index_alias(document)):
            assert _stopped_named(json.dumps(hit["_source"])) == [], hit["_id"]


@pytest.mark.parametrize("role", ["anonymous", "other"])
def test_stopped_members_never_on_public_pages_or_api(db, client, access_world, role):
    """Every page and API endpoint a visitor (or an unrelated member) reaches
    about the network (lists, search, autocomplete, sitemap, home, the
    profiles and experiments the stopped members were tied to, matches of
    every kind, a draft naming a suspended member as partner) names no
    suspended, pending or refused member and none of their experiments."""
    if role != "anonymous":
        client.force_login(access_world.users[role])
    w = access_world
    members = [w.o[name] for name in ("target", "sender", "other")]
    projects = [w.o[name] for name in ("published", "elsewhere")]
    with translation.override("en"):
        urls = [reverse("members:detail", args=[m.slug]) for m in members]
        urls += [reverse("projects:detail", args=[p.slug]) for p in projects]
        urls += [
            reverse("members:list"),
            reverse("members:list") + "?q=housing",
            reverse("members:list") + "?q=Ibex",
            reverse("projects:list"),
            reverse("projects:list") + "?q=experiment",
            reverse("members_map"),
            reverse("projects_map"),
            reverse("search") + "?q=Ibex",
            reverse("search") + "?q=Jerboa",
            reverse("search") + "?q=Quagga",
            reverse("search_autocomplete") + "?q=Ibe",
            reverse("search_autocomplete") + "?q=Jerb",
            reverse("sitemap"),
            w.pages["home"],
        ]
        urls += [reverse("api-v1:member_detail", args=[m.slug]) for m in members]
        urls += [reverse("api-v1:member_matches", args=[m.slug]) for m in members]
        urls += [reverse("api-v1:project_detail", args=[p.slug]) for p in projects]
        urls += [reverse("api-v1:project_matches", args=[p.slug]) for p in projects]
        urls += [
            reverse("api-v1:members_search") + "?q=housing",
            reverse("api-v1:members_search") + "?q=Ibex",
            reverse("api-v1:projects_search") + "?q=experiment",
            reverse("api-v1:projects_search") + "?q=Quagga",
        ]
    for url in urls:
        response = client.get(url, {"size": 50} if "/api/" in url else {})
        assert response.status_code == 200, url
        assert _stopped_named(response.content.decode()) == [], url
    # A stopped member named as a partner is unknown, like a made-up slug.
    for partners, status in (
        ([w.o["target"].slug], 200),
        ([w.o["target"].slug, w.o["suspended"].slug], 422),
        ([w.o["target"].slug, w.o["pending_member"].slug], 422),
        ([w.o["target"].slug, "no-such-member"], 422),
    ):
        response = client.post(
            reverse("api-v1:draft_matches"),
            {
                "title": "Housing and sustainable food",
                "summary": "Ibex experiment, Jerboa experiment",
                "partners": partners,
                "size": 50,
            },
            content_type="application/json",
        )
        assert response.status_code == status, partners
        assert _stopped_named(response.content.decode()) == [], partners
        if status == 422:
            assert response.json()["detail"] == f"Unknown partners: {partners[1]}."


def test_stopped_members_never_in_public_export(db, access_world, tmp_path):
    """`hub_export` without --private leaves out the stopped members and
    their experiments."""
    call_command("hub_export", "--out", str(tmp_path / "public"))
    text = "".join(p.read_text() for p in (tmp_path / "public").iterdir())
    assert "Target Coop" in text
    assert _stopped_named(text) == []


def test_secrets_never_in_public_export(db, access_world, tmp_path):
    """`hub_export` without --private writes none of them; with --private the
    e-mail and phone are there (so the scan can find what it looks for)."""
    call_command("hub_export", "--out", str(tmp_path / "public"))
    text = "".join(p.read_text() for p in (tmp_path / "public").iterdir())
    assert "Target Coop" in text
    assert _scan_for_secrets(text) == []
    call_command("hub_export", "--out", str(tmp_path / "private"), "--private")
    text = "".join(p.read_text() for p in (tmp_path / "private").iterdir())
    assert {"email", "phone"} <= set(_scan_for_secrets(text))
