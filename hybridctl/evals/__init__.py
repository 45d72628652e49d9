"""Evals: the quality gate. Suites of cases (messages and assertions on the
answer) sent to the model each variant routes a role to, scored per role and
case, and a non-inferiority verdict of candidate against stable."""
