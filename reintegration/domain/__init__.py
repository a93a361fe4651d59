"""The domain core: money, rate tables, budget rules, plan files, workflow and follow-up.

Pure Python, with no Flask or database imports, so that the rules can be tested, run from
the command line and benchmarked on their own. Rule outcomes are codes with parameters;
the web layer and the CLI each put them into words.
"""
