"""Legality and candidate plans for each loop nest, and the independent check of any plan.

For every loop of a nest: structural blockers (break, return, goto, existing pragmas, opt-out, ...),
calls, the dependences the loop carries (from `autopar.deps`), and the scalar classes (from
`autopar.plans.scalars`) decide whether a pragma may go on it, and with which clauses (`legality`). Every
legal plan becomes a `Candidate` (`generate`); a small cost model (trip count times body work, fork
overhead per entry: `cost`) picks the default. `validate_plan` (`validate`) re-derives the same
facts to judge a plan it did not produce.
"""

from autopar.plans.candidates.cost import entries, estimate, trip_count, trip_text, work
from autopar.plans.candidates.generate import analyze_nest, analyze_regions, base_plan, plans_for
from autopar.plans.candidates.legality import Legality, NestContext, scalar_classes, structural_blockers
from autopar.plans.candidates.validate import validate_plan

__all__ = ["Legality", "NestContext", "analyze_nest", "analyze_regions", "base_plan", "entries", "estimate",
           "plans_for", "scalar_classes", "structural_blockers", "trip_count", "trip_text", "validate_plan",
           "work"]
