"""The command line: `autopar` (main), its commands and what they share; exit codes, no
analysis of its own.
"""
