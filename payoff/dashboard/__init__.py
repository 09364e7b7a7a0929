"""The managers' payoff dashboard: scope, one module per section, learners, check-ins."""
