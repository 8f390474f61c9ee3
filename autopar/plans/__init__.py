"""Legality and plans: the data-sharing classes of each loop's scalars, the candidate plans of
each nest with their cost, the default among them and the independent check of any plan
(`validate_plan`); the machine's costs, the floating-point policy, typed reasons.
"""
