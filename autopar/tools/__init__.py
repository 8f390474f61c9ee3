"""The tools over the pipeline: the verifier, the benchmark suite (`autopar bench`), the
tuner, the compiler wrappers (`autopar-cc`, `autopar-cxx`) and the differential fuzzer.
"""
