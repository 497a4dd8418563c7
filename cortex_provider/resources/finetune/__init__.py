"""FineTunedModel: one Cortex fine-tuning job and the MODEL it produces.

spec.py (validated input), plan.py (the preview's `training_plan`), costs.py (rows, trained tokens and
the data fingerprint, measured in SQL), lookup.py (the model and job that already exist), wait.py
(waiting for a job), outputs.py (the outputs in state), owner.py (ownership), core.py (the reconcile
core).
"""
