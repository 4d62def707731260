"""The one ranking pipeline every direction runs (see `base` for the steps)."""

from search.matchmaking.base import Pool, Recipe, reasons_sorted
from search.matchmaking.elastic import msearch


def rank(recipe: Recipe, ctx, *, size: int) -> list:
    """The best `size` candidates for `ctx` (a direction's context: what is
    matched, its exclusions, ...), scored by `recipe`, with their reasons."""
    return rank_together([(recipe, ctx, size)])[0]


def rank_together(rankings: list[tuple[Recipe, object, int]]) -> list[list]:
    """Several rankings (recipe, context, size) whose searches share one
    round trip to Elasticsearch, which runs them in parallel (a member's
    experiments and people, for its digest): the same lists as `rank` gives
    each."""
    searches = {}
    for n, (recipe, ctx, _size) in enumerate(rankings):
        ctx.recipe = recipe
        for source in recipe.sources():
            if source.searches:
                for name, search in source.searches(ctx).items():
                    searches[(n, name)] = search
    responses = msearch(searches)
    return [
        _ranked(
            recipe,
            ctx,
            {name: hits for (m, name), hits in responses.items() if m == n},
            size,
        )
        for n, (recipe, ctx, size) in enumerate(rankings)
    ]


def _ranked(recipe: Recipe, ctx, responses: dict, size: int) -> list:
    active = [s for s in recipe.signals if s.name not in recipe.off]
    sources = recipe.sources()
    pool = Pool()
    for source in sources:
        source.collect(ctx, responses, pool)
    recipe.target.fill(ctx, pool)
    if not pool:
        return []
    for signal in recipe.signals:
        if signal.prepare:
            signal.prepare(ctx, pool)
    declared = recipe.weights
    for candidate in pool.values():
        features = candidate.features = dict.fromkeys(declared, 0.0)
        for signal in recipe.signals:
            if signal.features:
                features.update(signal.features(ctx, candidate))
    weights = ctx.weights = recipe.effective_weights()
    for signal in active:
        if signal.refine:
            signal.refine(ctx, pool, size)

    target = recipe.target
    matches = []
    for candidate in pool.values():
        f = candidate.features
        raw = sum(weight * f[k] for k, weight in weights.items())
        score = round(raw, 4)
        if (raw <= 0) if target.min_score is None else (score < target.min_score):
            continue
        match = target.match(candidate.id, score, [], candidate.source, f)
        match.candidate = candidate
        matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.id))
    matches = matches[:size]
    target.display(ctx, matches)
    for signal in recipe.signals:
        if signal.reasons:
            signal.reasons(ctx, matches)
    for match in matches:
        match.reasons = reasons_sorted(match.reasons)
        del match.candidate
    if target.explained_only:
        # A suggestion nobody could explain is not shown.
        matches = [m for m in matches if m.reasons]
    return matches
