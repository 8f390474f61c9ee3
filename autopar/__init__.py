"""autopar: a source-to-source auto-parallelizer for C and C++ (OpenMP)."""

__version__ = "0.1.0"
