"""Learning records out to the organization's Learning Record Store (xAPI).

It sits at the top of the layers: it reads every feature's rows to make statements,
hears of events through ``practice.extensions.learning_event_hooks``, and hands the
statements to the outbox, which delivers them through the sender it registers.
"""
