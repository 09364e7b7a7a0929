"""Practice nudges: planning, dispatch over channels, in-app notifications, preferences.

See ``practice.nudges.planning`` for the scheduling rules and ``practice.nudges.dispatch``
for the delivery guarantee.
"""
