"""Pharmacokinetics of IV ketamine: parameter sets as data, an exact linear-compartment engine,
population mode and the observed antidepressant-regimen levels.

Entry points: ``models.load_models()``, ``engine.simulate()``, ``population.simulate_population()``,
``reference.antidepressant_levels()``; doses are ``regimen.Infusion`` / ``regimen.Bolus``.
"""
