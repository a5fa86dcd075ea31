"""How a diagnosis is shown, once for every page: the endpoint page, a run's permalink,
the Diagnose page and a shared snapshot build their tables here, and one template
partial (templates/presentation/) draws them.

Plain Python: it reads the probing, analysis, inventory and monitoring vocabularies and
never imports the web or sharing apps, so both can use it.
"""
