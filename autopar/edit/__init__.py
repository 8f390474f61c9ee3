"""The edits: decisions and the source bytes in, `Edit`s (inserted pragmas, versioned loops,
parallel and data regions, a restructured nest) and the rewritten file out.
"""
