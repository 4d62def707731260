"""Editorial page models and site settings.

The shared taxonomies live in `hub.taxonomy`; they are imported here so that
the hub app always owns their tables, whichever app imports them first.
"""

from hub.models.base import HubPageMixin
from hub.models.calls import CallIndexPage, CallPage, CallType
from hub.models.events import EventIndexPage, EventPage
from hub.models.forms import FormField, FormPage
from hub.models.home import HomePage, HomePageFeaturedExperiment
from hub.models.moderation import Report, ReportCategory, ReportStatus
from hub.models.news import NewsIndexPage, NewsPage, NewsPageSubject, NewsPageTag
from hub.models.site_settings import SiteSettings
from hub.models.standard import StandardPage
from hub.taxonomy import Discipline, Sector

__all__ = [
    "CallIndexPage",
    "CallPage",
    "CallType",
    "Discipline",
    "EventIndexPage",
    "EventPage",
    "FormField",
    "FormPage",
    "HomePage",
    "HomePageFeaturedExperiment",
    "HubPageMixin",
    "NewsIndexPage",
    "NewsPage",
    "NewsPageSubject",
    "NewsPageTag",
    "Report",
    "ReportCategory",
    "ReportStatus",
    "Sector",
    "SiteSettings",
    "StandardPage",
]
