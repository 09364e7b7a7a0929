"""Cohorts: L&D and managers assign a micromastery or a course to teams and people.

Assigning enrols every member, notifies each one once (with a calendar invitation when
there is a kickoff) and keeps a record per learner that outlives their removal.
"""
