"""A member's collaboration neighbourhood, laid out for a server-drawn SVG.

The member sits in the middle, its published experiments on an inner ring,
the confirmed partners of those experiments on an outer ring next to the
experiment they share. It reads the public collaboration graph only
(`search.graph`, published experiments and confirmed partnerships between
members that may appear); private ties born of contact requests never enter,
and every record is checked again against the database before it is drawn.
"""

import math
from dataclasses import dataclass

from members.models import Member, MemberKind
from members.permissions import member_appearing_q, project_appearing_q
from projects.models import Project
from search.graph import collaboration_graph

MAX_PROJECTS = 8
MAX_PARTNERS = 16
WIDTH, HEIGHT = 860, 520
INNER, OUTER = 110, 215
LABEL_CHARS = 24
# Okabe–Ito colours, told apart with the common colour-vision deficiencies.
KIND_COLOURS = {
    MemberKind.ENTREPRENEUR: "#E69F00",
    MemberKind.RESEARCHER: "#56B4E9",
    MemberKind.PUBLIC_AUTHORITY: "#009E73",
    MemberKind.FEDERATION: "#CC79A7",
}
PROJECT_COLOUR = "#F0E442"


@dataclass
class Node:
    type: str  # "member" or "project"
    name: str
    label: str
    kind_label: str
    url: str
    colour: str
    x: float
    y: float
    centre: bool = False

    @property
    def label_position(self) -> tuple[int, int, str]:
        """(x, y, text-anchor) of the label: above the centre, under an
        experiment, outwards from the centre for a partner."""
        if self.centre:
            return int(self.x), int(self.y) - 24, "middle"
        if self.type == "project":
            # Under the square: outwards, they met the partners' labels.
            return int(self.x), int(self.y) + 24, "middle"
        dx, dy = self.x - WIDTH / 2, self.y - HEIGHT / 2
        norm = math.hypot(dx, dy) or 1.0
        ux, uy = dx / norm, dy / norm
        anchor = "start" if ux > 0.35 else "end" if ux < -0.35 else "middle"
        return int(self.x + 16 * ux), int(self.y + 16 * uy + 4 + 8 * uy), anchor

    @property
    def label_x(self) -> int:
        return self.label_position[0]

    @property
    def label_y(self) -> int:
        return self.label_position[1]

    @property
    def label_anchor(self) -> str:
        return self.label_position[2]


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Neighbourhood:
    nodes: list[Node]
    edges: list[Edge]
    more_projects: int
    more_partners: int
    legend: list[tuple[str, str]]
    width: int = WIDTH
    height: int = HEIGHT


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _ring(index: int, count: int, radius: float, offset: float = 0.0):
    angle = offset + 2 * math.pi * index / max(count, 1) - math.pi / 2
    return (
        round(WIDTH / 2 + radius * math.cos(angle)),
        round(HEIGHT / 2 + radius * math.sin(angle)),
    )


def member_neighbourhood(*, member: Member) -> Neighbourhood | None:
    """The public neighbourhood of `member`, or None when it has none to show."""
    if not member.is_public:
        return None
    graph = collaboration_graph()
    project_ids = list(graph.projects_of.get(member.pk, ()))
    if not project_ids:
        return None
    projects = list(
        Project.objects.filter(project_appearing_q(), pk__in=project_ids)
        .order_by("-created_at")
        .only("pk", "title", "slug")
    )
    shown = projects[:MAX_PROJECTS]
    partner_order: dict[int, int] = {}  # partner -> index of its first project
    for index, project in enumerate(shown):
        for other in graph.members_of.get(project.pk, ()):
            if other != member.pk:
                partner_order.setdefault(other, index)
    partners = {
        m.pk: m
        for m in Member.objects.filter(
            member_appearing_q(), pk__in=list(partner_order)
        ).only("pk", "name", "slug", "kind")
    }
    ordered = sorted(
        (pk for pk in partner_order if pk in partners),
        key=lambda pk: (partner_order[pk], partners[pk].name),
    )
    shown_partners = ordered[:MAX_PARTNERS]
    centre = Node(
        "member",
        member.name,
        _short(member.name),
        member.get_kind_display(),
        member.get_absolute_url(),
        KIND_COLOURS.get(member.kind, "#999999"),
        WIDTH // 2,
        HEIGHT // 2,
        centre=True,
    )
    nodes, edges = [centre], []
    where: dict[int, tuple[float, float]] = {}
    for index, project in enumerate(shown):
        x, y = _ring(index, len(shown), INNER)
        where[project.pk] = (x, y)
        edges.append(Edge(centre.x, centre.y, x, y))
        nodes.append(
            Node(
                "project",
                project.title,
                _short(project.title),
                "",
                project.get_absolute_url(),
                PROJECT_COLOUR,
                x,
                y,
            )
        )
    for index, pk in enumerate(shown_partners):
        partner = partners[pk]
        x, y = _ring(index, len(shown_partners), OUTER, offset=0.15)
        for project_id in graph.projects_of.get(pk, ()):
            if project_id in where:
                px, py = where[project_id]
                edges.append(Edge(px, py, x, y))
        nodes.append(
            Node(
                "member",
                partner.name,
                _short(partner.name),
                partner.get_kind_display(),
                partner.get_absolute_url(),
                KIND_COLOURS.get(partner.kind, "#999999"),
                x,
                y,
            )
        )
    return Neighbourhood(
        nodes=nodes,
        edges=edges,
        more_projects=len(projects) - len(shown),
        more_partners=len(ordered) - len(shown_partners),
        legend=[(KIND_COLOURS[k], k.label) for k in MemberKind],
    )
