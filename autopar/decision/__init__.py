"""The decision: one validated `Plan` per region, from the analyzer's default, a model
(the reasoner and its model registry), the tuner's decisions file or the user.
"""
