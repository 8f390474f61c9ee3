"""Exact dependence analysis of one loop (and the loops nested in it) with isl, by stage:

- `model`: the isl model of a nest (`LoopModel`: iteration domains, objects), built from
  `accesses` (the models of accesses and memory objects), `subscripts` (affine and delinearised
  subscripts) and `aliasing` (which objects may overlap); `trip_count`: whether a loop runs at least once;
- `dependences`: the dependences of a loop's accesses (`Analysis`, `analysis`, `dependence_graph`);
- `graph`: the resulting `DependenceGraph` (access ids and `Edge`s; a networkx MultiDiGraph on demand);
- `runtime_checks`: the byte ranges of objects and the overlap test of a runtime alias check;
  `indexed`: the part of it that inspects an index array's values (`v[colidx[k]]`); `carved_rows`:
  the test that a carved row table's rows lie apart by the columns a loop touches; `member_bounds`:
  the test that a member array's subscripts stay inside it;
- `strided`: the windows of a loop that steps by a variable, and the guard its plans carry;
- `isl_text`: isl text of models and C text of isl results.
"""

from autopar.deps.dependences import Analysis, PairSolver, analysis, dependence_graph, pair_set_text
from autopar.deps.graph import DependenceGraph, Edge
from autopar.deps.isl_text import (ISL_LOCK, aff_poly, parse_set, render_aff, render_aff_c, render_poly,
                                   set_text)
from autopar.deps.accesses import AccessModel, ObjectModel, common_loops, ivs_for, object_key
from autopar.deps.aliasing import may_alias
from autopar.deps.model import LoopModel, declared_inside, descendants
from autopar.deps.indexed import inspection_budget
from autopar.deps.trip_count import behind_first_test, runs_at_least_once, runs_condition, trip_text
from autopar.deps.counters import count_problem, wrap_problem
from autopar.deps.touched_interval import TouchedInterval, exact_interval
from autopar.deps.runtime_checks import interval_range, object_bounds, object_ranges, overlap_check, unbounded_pairs

__all__ = ["ISL_LOCK", "AccessModel", "Analysis", "DependenceGraph", "Edge", "LoopModel", "ObjectModel",
           "PairSolver", "aff_poly", "analysis", "common_loops", "declared_inside", "dependence_graph",
           "behind_first_test", "descendants", "exact_interval", "TouchedInterval", "inspection_budget", "interval_range", "ivs_for", "may_alias", "object_bounds", "object_key",
           "object_ranges", "overlap_check", "pair_set_text", "parse_set", "render_aff", "render_aff_c",
           "render_poly", "runs_at_least_once", "runs_condition", "set_text", "trip_text", "unbounded_pairs", "wrap_problem", "count_problem"]
