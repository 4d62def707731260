"""Moderation that works for editors (issue 16, class 7).

One-click approve or refuse from the pending list, the decision e-mailed to
the member's managers in each one's language, editors told what awaits
review, a report button feeding a moderation queue, and dismissals,
contact-form submissions and reports covered by the personal-data export,
deletion and a retention period.

Languages are checked by what does not depend on the catalogues: the HTML
alternative's `lang` and the language prefix of the links.
"""

from datetime import timedelta
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail.contrib.forms.models import FormSubmission

import pytest
from allauth.account.models import EmailAddress

from members.models import (
    AccountSettings,
    Dismissal,
    ManagerRole,
    MemberManager,
    MemberStatus,
)
from members.tests.factories import MemberFactory
from projects.models import ProjectStatus
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


MEMBERS_ADMIN = "/admin/snippets/members/member/"


def make_user(name, language=None, **extra):
    user = get_user_model().objects.create_user(
        username=name, email=f"{name}@accounts.example.org", password="pw", **extra
    )
    if language:
        AccountSettings.objects.create(user=user, language=language)
    return user


def make_editor(name="editor", language="nl"):
    user = get_user_model().objects.create_superuser(
        username=name, email=f"{name}@hub.example.org", password="pw"
    )
    AccountSettings.objects.create(user=user, language=language)
    return user


def managed(user, role=ManagerRole.OWNER, **fields):
    member = MemberFactory(**fields)
    MemberManager.objects.create(member=member, user=user, role=role)
    return member


def html_of(message):
    return message.alternatives[0][0]


# One-click decisions --------------------------------------------------------


def test_pending_list_approves_in_one_click_and_mails_each_manager_in_their_language(
    client,
):
    """The pending list carries an Approve button (a POST form); one click
    publishes the profile, records who and when, and e-mails each manager in
    their own language."""
    editor = make_editor()
    french, dutch = make_user("fr-owner", "fr"), make_user("nl-editor", "nl")
    member = managed(french, status=MemberStatus.PENDING, name="Repair Café")
    MemberManager.objects.create(member=member, user=dutch, role=ManagerRole.EDITOR)
    client.force_login(editor)

    listing = client.get(MEMBERS_ADMIN, {"status": "pending"}).text
    approve_url = f"{MEMBERS_ADMIN}approve/{member.pk}/"
    refuse_url = f"{MEMBERS_ADMIN}refuse/{member.pk}/"
    assert f'action="{approve_url}"' in listing
    assert f'href="{refuse_url}"' in listing
    assert 'name="csrfmiddlewaretoken"' in listing

    before = timezone.now()
    response = client.post(approve_url)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.PUBLISHED
    assert member.reviewed_by == editor
    assert member.reviewed_at >= before
    assert member.moderation_reason == ""

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {french.email, dutch.email}
    assert 'lang="fr"' in html_of(by_address[french.email])
    assert "/fr/members/" in by_address[french.email].body
    assert 'lang="nl"' in html_of(by_address[dutch.email])
    assert "Repair Café" in by_address[dutch.email].subject


def test_refusing_asks_for_a_reason_and_mails_it(client):
    """Refuse opens a form whose reason is required; the reason is kept and
    sent to the managers."""
    editor = make_editor()
    owner = make_user("owner", "fr")
    member = managed(owner, status=MemberStatus.PENDING)
    client.force_login(editor)
    refuse_url = f"{MEMBERS_ADMIN}refuse/{member.pk}/"

    form = client.get(refuse_url)
    assert form.status_code == 200
    assert 'name="reason"' in form.text and "required" in form.text

    response = client.post(refuse_url, {"reason": "   "})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.status == MemberStatus.PENDING
    assert mail.outbox == []

    reason = "The description advertises a commercial product, not a project."
    response = client.post(refuse_url, {"reason": reason})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.REFUSED
    assert member.moderation_reason == reason
    assert member.reviewed_by == editor
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert reason in mail.outbox[0].body
    assert 'lang="fr"' in html_of(mail.outbox[0])


def test_decisions_are_post_csrf_and_need_the_permission():
    """GET decides nothing; a POST without the CSRF token is refused; an
    admin user without the right to change members cannot decide."""
    member = MemberFactory(status=MemberStatus.PENDING)
    approve_url = f"{MEMBERS_ADMIN}approve/{member.pk}/"
    editor = make_editor()

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    assert csrf_client.get(approve_url).status_code == 405
    assert csrf_client.post(approve_url).status_code == 403

    limited = make_user("limited", is_staff=True)
    limited.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_member"),
    )
    client = Client()
    client.force_login(limited)
    response = client.post(approve_url)
    assert response.status_code in (302, 403)
    response = client.post(f"{MEMBERS_ADMIN}refuse/{member.pk}/", {"reason": "no"})
    assert response.status_code in (302, 403)
    member.refresh_from_db()
    assert member.status == MemberStatus.PENDING
    assert member.reviewed_at is None
    assert mail.outbox == []


# Editors told ---------------------------------------------------------------


def test_editors_are_told_when_a_new_profile_awaits_review(client):
    """Creating a profile (pending) e-mails the editors in their language;
    members and staff without the moderation right are not told."""
    from members.tests.test_profiles import profile_data

    dutch_editor = make_editor("redacteur", "nl")
    make_user("bystander", "fr")
    make_user("staff-only", "fr", is_staff=True)
    creator = make_user("creator", "fr")
    client.force_login(creator)
    response = client.post(reverse("members:create"), profile_data())
    assert response.status_code == 302

    assert [m.to for m in mail.outbox] == [[dutch_editor.email]]
    message = mail.outbox[0]
    assert "Repair Café Molenbeek" in message.subject
    assert 'lang="nl"' in html_of(message)
    assert "/admin/snippets/members/member/" in message.body


def test_editors_are_told_when_an_experiment_is_submitted(client):
    from projects.services import project_submit

    editor = make_editor("redacteur", "fr")
    owner = make_user("owner")
    member = managed(owner)
    project = ProjectFactory(owner=member, status=ProjectStatus.DRAFT, title="Bees")
    project_submit(project=project, user=owner)

    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "Bees" in mail.outbox[0].subject
    assert 'lang="fr"' in html_of(mail.outbox[0])


def test_dashboard_counts_open_reports(client):
    from hub.models import Report

    editor = make_editor()
    target = MemberFactory()
    Report.objects.create(member=target, category="spam", text="Spam everywhere")
    client.force_login(editor)
    assert "1 report to review" in client.get("/admin/").text


# Report button and form -----------------------------------------------------


def report_url(kind, slug):
    return reverse(f"report:{kind}", kwargs={"slug": slug})


def test_public_profile_and_experiment_pages_carry_a_report_link(client):
    member = MemberFactory()
    project = ProjectFactory(owner=member)
    assert (
        report_url("member", member.slug) in client.get(member.get_absolute_url()).text
    )
    assert (
        report_url("project", project.slug)
        in client.get(project.get_absolute_url()).text
    )


def test_an_anonymous_visitor_reports_a_profile(client):
    """The form works without an account, with CSRF; the report waits in the
    queue with its category and text."""
    from hub.models import Report, ReportStatus

    member = MemberFactory()
    form = client.get(report_url("member", member.slug))
    assert form.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in form.text
    assert 'maxlength="2000"' in form.text
    response = client.post(
        report_url("member", member.slug),
        {"category": "misleading", "text": "This is not a cooperative."},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.member == member and report.project is None
    assert report.category == "misleading"
    assert report.status == ReportStatus.OPEN
    assert report.reporter is None


def test_report_form_needs_the_csrf_token():
    from hub.models import Report

    member = MemberFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        report_url("member", member.slug), {"category": "spam", "text": "spam"}
    )
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_report_form_is_limited_per_sender(client, settings):
    """Past the limit the form answers 429 and stores nothing; another
    connection is not affected."""
    from hub.models import Report

    settings.HUB_RATE_LIMITS = {**settings.HUB_RATE_LIMITS, "report": "2/h"}
    project = ProjectFactory(owner=MemberFactory())
    data = {"category": "spam", "text": "Advertising."}
    url = report_url("project", project.slug)
    for _ in range(2):
        assert client.post(url, data, REMOTE_ADDR="10.0.0.1").status_code == 302
    refused = client.post(url, data, REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429
    assert Report.objects.count() == 2
    assert client.post(url, data, REMOTE_ADDR="10.0.0.2").status_code == 302


def test_report_form_refuses_huge_and_bad_input_clearly(client):
    from hub.models import Report

    member = MemberFactory()
    url = report_url("member", member.slug)
    huge = client.post(url, {"category": "spam", "text": "x" * 100_000})
    assert huge.status_code == 200
    assert "at most 2000 characters" in huge.text
    bad = client.post(url, {"category": "<script>", "text": "hello"})
    assert bad.status_code == 200
    assert "<script>" not in bad.text
    assert not Report.objects.exists()


def test_only_public_profiles_and_experiments_can_be_reported(client):
    pending = MemberFactory(status=MemberStatus.PENDING)
    draft = ProjectFactory(owner=MemberFactory(), status=ProjectStatus.DRAFT)
    assert client.get(report_url("member", pending.slug)).status_code == 404
    assert client.get(report_url("project", draft.slug)).status_code == 404
    assert client.get(report_url("member", "no-such-member")).status_code == 404


# Moderation queue -----------------------------------------------------------


def test_queue_lists_opens_and_acts_on_reports(client):
    """Editors list open reports, open one (with a link to what is reported),
    suspend the member or unpublish the experiment, or dismiss the report."""
    from hub.models import Report, ReportStatus

    editor = make_editor()
    member = MemberFactory(name="Shady Coop")
    project = ProjectFactory(owner=member, title="Shady plan")
    on_member = Report.objects.create(member=member, category="spam", text="Spam")
    on_project = Report.objects.create(project=project, category="other", text="Hm")
    idle = Report.objects.create(member=member, category="other", text="Nothing")
    client.force_login(editor)

    listing = client.get("/admin/reports/")
    assert listing.status_code == 200
    assert "Shady Coop" in listing.text and "Shady plan" in listing.text
    detail = client.get(f"/admin/reports/inspect/{on_member.pk}/")
    assert detail.status_code == 200
    assert member.get_absolute_url() in detail.text

    act = "/admin/reports/act/{}/"
    assert client.get(act.format(on_member.pk)).status_code == 405
    response = client.post(act.format(on_member.pk), {"action": "suspend_member"})
    assert response.status_code == 302
    member.refresh_from_db()
    on_member.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED
    assert member.reviewed_by == editor
    assert on_member.status == ReportStatus.RESOLVED
    assert on_member.resolved_by == editor and on_member.resolved_at

    client.post(act.format(on_project.pk), {"action": "unpublish_project"})
    project.refresh_from_db()
    on_project.refresh_from_db()
    assert project.status != ProjectStatus.PUBLISHED
    assert on_project.status == ReportStatus.RESOLVED

    client.post(act.format(idle.pk), {"action": "dismiss"})
    idle.refresh_from_db()
    assert idle.status == ReportStatus.DISMISSED


def test_queue_is_for_editors_only(client):
    from hub.models import Report

    report = Report.objects.create(member=MemberFactory(), category="spam", text="Spam")
    client.force_login(make_user("member"))
    assert client.get("/admin/reports/").status_code == 302
    client.post(f"/admin/reports/act/{report.pk}/", {"action": "dismiss"})
    report.refresh_from_db()
    assert report.status == "open"


# Personal data: export, deletion, retention ---------------------------------


def contact_form_submission(tree, address, days_old=0):
    submission = FormSubmission.objects.create(
        page=tree.form,
        form_data={"name": "Amina", "e_mail": address, "message": "Hello"},
    )
    if days_old:
        FormSubmission.objects.filter(pk=submission.pk).update(
            submit_time=timezone.now() - timedelta(days=days_old)
        )
    return submission


def test_export_holds_dismissals_contact_form_submissions_and_reports(tree):
    """Only submissions sent from one of the account's verified addresses."""
    from hub.models import Report
    from members.services.privacy import user_data_export

    user = make_user("amina")
    EmailAddress.objects.create(user=user, email=user.email, verified=True)
    EmailAddress.objects.create(user=user, email="claimed@x.example", verified=False)
    member = managed(user)
    other = MemberFactory(name="Dismissed Coop")
    Dismissal.objects.create(user=user, member=member, suggested_member=other)
    contact_form_submission(tree, user.email.upper())
    contact_form_submission(tree, "claimed@x.example")
    contact_form_submission(tree, "someone@else.example")
    Report.objects.create(member=other, category="spam", text="Mine", reporter=user)

    data = user_data_export(user=user)
    assert [d["suggested_member"] for d in data["dismissals"]] == ["Dismissed Coop"]
    assert [s["form_data"]["e_mail"] for s in data["contact_form_submissions"]] == [
        user.email.upper()
    ]
    assert [r["text"] for r in data["reports"]] == ["Mine"]


def test_account_deletion_removes_dismissals_and_contact_form_submissions(tree):
    from hub.models import Report
    from members.services.privacy import user_delete

    user = make_user("amina")
    EmailAddress.objects.create(user=user, email=user.email, verified=True)
    keeper = make_user("keeper")
    shared = managed(user)
    MemberManager.objects.create(member=shared, user=keeper, role=ManagerRole.OWNER)
    Dismissal.objects.create(user=user, member=shared, suggested_member=MemberFactory())
    mine = contact_form_submission(tree, user.email)
    theirs = contact_form_submission(tree, "someone@else.example")
    report = Report.objects.create(
        member=MemberFactory(), category="spam", text="Mine", reporter=user
    )

    user_delete(user=user)
    assert not Dismissal.objects.exists()
    assert not FormSubmission.objects.filter(pk=mine.pk).exists()
    assert FormSubmission.objects.filter(pk=theirs.pk).exists()
    report.refresh_from_db()
    assert report.reporter is None


def test_retention_prunes_old_personal_data(tree, settings):
    """Past their retention period, dismissals, contact-form submissions and
    resolved reports go; open reports and recent records stay."""
    from hub.models import Report, ReportStatus
    from members.services.privacy import prune_expired_personal_data

    settings.HUB_RETENTION_DAYS = {
        "dismissals": 30,
        "contact_form_submissions": 60,
        "reports": 90,
    }
    now = timezone.now()
    member, a, b = MemberFactory(), MemberFactory(), MemberFactory()
    Dismissal.objects.create(
        member=member, suggested_member=a, created_at=now - timedelta(days=31)
    )
    recent = Dismissal.objects.create(member=member, suggested_member=b)
    contact_form_submission(tree, "old@x.example", days_old=61)
    fresh = contact_form_submission(tree, "new@x.example", days_old=59)
    old_resolved = Report.objects.create(
        member=a,
        category="spam",
        text="old",
        status=ReportStatus.RESOLVED,
        resolved_at=now - timedelta(days=91),
    )
    old_open = Report.objects.create(member=a, category="spam", text="open")
    Report.objects.filter(pk=old_open.pk).update(created_at=now - timedelta(days=400))

    counts = prune_expired_personal_data()
    assert counts == {"dismissals": 1, "contact_form_submissions": 1, "reports": 1}
    assert list(Dismissal.objects.all()) == [recent]
    assert list(FormSubmission.objects.all()) == [fresh]
    assert list(Report.objects.all()) == [old_open]
    assert not Report.objects.filter(pk=old_resolved.pk).exists()

    later = timezone.localdate() + timedelta(days=31)
    assert prune_expired_personal_data(today=later)["dismissals"] == 1

    out = StringIO()
    call_command("hub_prune_personal_data", stdout=out)
    assert "0 dismissals" in out.getvalue()


def test_a_status_changed_in_the_edit_form_is_recorded_and_told(client):
    """Suspending from the member's edit form records who and when (not
    typed by hand) and e-mails the managers with the reason written there."""
    from wagtail.test.utils.form_data import querydict_from_html

    editor = make_editor()
    owner = make_user("owner", "nl")
    member = managed(owner)
    client.force_login(editor)
    edit_url = f"{MEMBERS_ADMIN}edit/{member.pk}/"
    data = querydict_from_html(
        client.get(edit_url).text, form_id="w-editor-form", exclude_csrf=False
    )
    data["status"] = MemberStatus.SUSPENDED
    data["moderation_reason"] = "Advertising only."
    data["reviewed_at"] = "2001-01-01 00:00"
    response = client.post(edit_url, data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED
    assert member.reviewed_by == editor
    assert member.reviewed_at.year == timezone.now().year
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert "Advertising only." in mail.outbox[0].body
    assert 'lang="nl"' in html_of(mail.outbox[0])


def test_managers_read_the_refusal_reason_on_their_preview(client):
    owner = make_user("owner")
    member = managed(
        owner, status=MemberStatus.REFUSED, moderation_reason="Add a description."
    )
    assert client.get(member.get_absolute_url()).status_code == 404
    client.force_login(owner)
    page = client.get(member.get_absolute_url()).text
    assert "Add a description." in page
    assert reverse("report:member", kwargs={"slug": member.slug}) not in page


def test_a_refused_profile_is_revised_then_awaits_a_new_review(client):
    """The refusal e-mail's edit link works: the managers of a refused
    profile may revise it (nothing else), and saving it sends it back to the
    editors, who are told; a suspended profile stays closed."""
    from members.tests.test_profiles import profile_data

    editor = make_editor()
    owner = make_user("owner", "fr")
    member = managed(owner, status=MemberStatus.PENDING, name="Repair Café")
    client.force_login(editor)
    client.post(f"{MEMBERS_ADMIN}refuse/{member.pk}/", {"reason": "Say more."})
    member.refresh_from_db()
    assert member.status == MemberStatus.REFUSED
    edit_url = reverse("members:edit", kwargs={"slug": member.slug})
    assert edit_url.removeprefix("/en") in mail.outbox[0].body
    mail.outbox.clear()

    client.force_login(owner)
    assert client.get(edit_url).status_code == 200
    # Revising the profile is all: its managers still prepare nothing else.
    managers_url = reverse("members:managers", kwargs={"slug": member.slug})
    assert client.get(managers_url).status_code == 403
    response = client.post(edit_url, profile_data(name="Repair Café"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.PENDING
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert client.get(member.get_absolute_url()).status_code == 200  # preview
    client.logout()
    assert client.get(member.get_absolute_url()).status_code == 404

    suspended = managed(owner, status=MemberStatus.SUSPENDED)
    client.force_login(owner)
    url = reverse("members:edit", kwargs={"slug": suspended.slug})
    assert client.get(url).status_code == 403
    assert client.post(url, profile_data()).status_code == 403
    suspended.refresh_from_db()
    assert suspended.status == MemberStatus.SUSPENDED


def test_reports_cannot_be_added_by_hand_in_the_admin(client):
    """A report comes from the public form only: the admin's add view is
    closed (it used to answer a 500 on the missing target)."""
    from hub.models import Report

    client.force_login(make_editor())
    assert "/admin/reports/new/" not in client.get("/admin/reports/").text
    assert client.get("/admin/reports/new/").status_code == 302
    assert client.post("/admin/reports/new/", {"resolution": "x"}).status_code == 302
    assert not Report.objects.exists()


def test_privacy_page_and_download_cover_the_new_records(client, tree):
    """The download (JSON) carries the contact-form message; the page says
    what is deleted and when."""
    import json

    user = make_user("amina")
    EmailAddress.objects.create(user=user, email=user.email, verified=True)
    contact_form_submission(tree, user.email)
    client.force_login(user)
    page = client.get(reverse("dashboard:privacy")).text
    assert "contact-form messages and closed reports after one year" in page
    download = client.get(reverse("dashboard:privacy_export"))
    data = json.loads(download.content)
    assert data["contact_form_submissions"][0]["form_data"]["message"] == "Hello"


def test_submitted_experiments_are_published_in_one_click(client):
    """The submitted list carries a Publish button (a POST form); the
    managers of the publisher are told in their language."""
    editor = make_editor()
    owner = make_user("owner", "nl")
    member = managed(owner)
    project = ProjectFactory(owner=member, status=ProjectStatus.SUBMITTED)
    client.force_login(editor)
    listing = client.get(
        "/admin/snippets/projects/project/", {"status": "submitted"}
    ).text
    publish_url = f"/admin/snippets/projects/project/publish/{project.pk}/"
    assert f'action="{publish_url}"' in listing
    assert client.get(publish_url).status_code == 405
    assert client.post(publish_url).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.PUBLISHED
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert 'lang="nl"' in html_of(mail.outbox[0])
    assert "/nl/projects/" in mail.outbox[0].body
