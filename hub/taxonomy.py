"""Shared taxonomies: sectors and disciplines (editor-managed, in FR/NL/EN),
and the 19 Brussels communes."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TaxonomyTerm(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)

    class Meta:
        abstract = True
        ordering = ["name_en"]

    def __str__(self):
        return self.label()

    def label(self, language: str | None = None) -> str:
        """The name in `language` (default: the active one), English as fallback."""
        code = (language or get_language() or "en")[:2]
        return getattr(self, f"name_{code}", None) or self.name_en

    @property
    def labels(self) -> list[str]:
        return [self.name_en, self.name_fr, self.name_nl]


class Sector(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Discipline(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")


class Commune(models.TextChoices):
    """The 19 communes of the Brussels-Capital Region (bilingual names)."""

    ANDERLECHT = "anderlecht", "Anderlecht"
    AUDERGHEM = "auderghem", "Auderghem / Oudergem"
    BERCHEM_SAINTE_AGATHE = (
        "berchem-sainte-agathe",
        "Berchem-Sainte-Agathe / Sint-Agatha-Berchem",
    )
    BRUXELLES = "bruxelles", "Bruxelles / Brussel"
    ETTERBEEK = "etterbeek", "Etterbeek"
    EVERE = "evere", "Evere"
    FOREST = "forest", "Forest / Vorst"
    GANSHOREN = "ganshoren", "Ganshoren"
    IXELLES = "ixelles", "Ixelles / Elsene"
    JETTE = "jette", "Jette"
    KOEKELBERG = "koekelberg", "Koekelberg"
    MOLENBEEK_SAINT_JEAN = (
        "molenbeek-saint-jean",
        "Molenbeek-Saint-Jean / Sint-Jans-Molenbeek",
    )
    SAINT_GILLES = "saint-gilles", "Saint-Gilles / Sint-Gillis"
    SAINT_JOSSE_TEN_NOODE = (
        "saint-josse-ten-noode",
        "Saint-Josse-ten-Noode / Sint-Joost-ten-Node",
    )
    SCHAERBEEK = "schaerbeek", "Schaerbeek / Schaarbeek"
    UCCLE = "uccle", "Uccle / Ukkel"
    WATERMAEL_BOITSFORT = (
        "watermael-boitsfort",
        "Watermael-Boitsfort / Watermaal-Bosvoorde",
    )
    WOLUWE_SAINT_LAMBERT = (
        "woluwe-saint-lambert",
        "Woluwe-Saint-Lambert / Sint-Lambrechts-Woluwe",
    )
    WOLUWE_SAINT_PIERRE = (
        "woluwe-saint-pierre",
        "Woluwe-Saint-Pierre / Sint-Pieters-Woluwe",
    )
