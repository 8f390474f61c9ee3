"""Restructuring of affine loop nests (static control parts): a new schedule computed with isl,
tiled and parallelized, printed back as C with the user's statements as macros.

One job per module, each stage's product a named object the next one reads:
  scop      the nest's statements, domains, accesses and original order, or a typed refusal
  model     the isl model: instance sets, access relations, dependences (flow, anti, output)
  schedule  candidate schedules (loop order, tile size) computed with isl's scheduler, validated
  codegen   C text from a schedule with isl's AST generator (PPCG style statement macros)
  cost      the cache-line cost model that ranks the candidates
  plan      the whole nest: candidates, the default, the edit that replaces the nest
"""
