"""Moving App Runner services off it: the fleet pipeline (pipeline.py) and the plan that moves each one."""
