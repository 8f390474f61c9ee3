"""Pragmas pass (placeholder)."""


def annotate(infos, functions, source):
    return None
