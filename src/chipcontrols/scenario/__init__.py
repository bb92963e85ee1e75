"""Coalition and what-if analysis: which capabilities a destination can still buy, from whom, on
any date (the coalition matrix and its timeline), and what a proposed rule would change."""

from chipcontrols.scenario.assumptions import Assumptions, load_assumptions
from chipcontrols.scenario.capabilities import Capability, Vocabulary, load_capabilities
from chipcontrols.scenario.coalition import Analyst, coalition_matrix
from chipcontrols.scenario.matrix import CoalitionMatrix
from chipcontrols.scenario.overlay import Scenario, ScenarioError, load_scenario, parse_scenario
from chipcontrols.scenario.timeline import Timeline, timeline
from chipcontrols.scenario.whatif import WhatIf, load_determinations, what_if

__all__ = [
    "Analyst",
    "Assumptions",
    "Capability",
    "CoalitionMatrix",
    "Scenario",
    "ScenarioError",
    "Timeline",
    "Vocabulary",
    "WhatIf",
    "coalition_matrix",
    "load_assumptions",
    "load_capabilities",
    "load_determinations",
    "load_scenario",
    "parse_scenario",
    "timeline",
    "what_if",
]
