"""The controlled vocabulary of a deal file: what a target does and what it makes.

The rule files map these tags onto each instrument's own sector definitions (the mapping is
law data, in `law/fdi/`); a tag not listed here is an input error naming the field.
"""

from __future__ import annotations

ACTIVITIES: dict[str, str] = {
    "chip_design": "designs integrated circuits or discrete semiconductors (fabless or in-house)",
    "ip_licensing": "owns, licenses or exploits semiconductor IP (processor cores, instruction "
    "set architectures, low-level code)",
    "front_end_fabrication": "fabricates integrated circuits or discrete devices on wafers "
    "(a fab or foundry)",
    "compound_semiconductors": "develops, fabricates or processes compound semiconductors "
    "(GaN, GaAs, InP, SiC, Ga2O3)",
    "packaging": "assembles, packages and tests chips (back end, OSAT)",
    "advanced_packaging": "packages chips with advanced techniques (2.5D/3D, chiplets, "
    "hybrid bonding, fan-out)",
    "equipment": "develops or produces front-end semiconductor manufacturing equipment "
    "(deposition, etch, implant, CMP, metrology for volume fabrication)",
    "lithography": "develops or produces lithography equipment or parts designed for it "
    "(including EUV)",
    "test_equipment": "develops or produces test, probing or inspection tools for wafers and chips",
    "materials": "produces wafers, substrates, process chemicals, gases or resists",
    "masks": "produces photomasks",
    "eda": "develops electronic design automation software",
    "memory": "designs or produces memory ICs (DRAM, NAND, HBM)",
    "distribution": "distributes or sells chips without developing or producing them",
}

PRODUCTS: dict[str, str] = {
    "processors": "CPUs, GPUs, FPGAs, microcontrollers, systems on chip, AI accelerators",
    "memory": "integrated circuits with the purpose of providing memory",
    "power": "power semiconductors (MOSFETs, IGBTs, power ICs)",
    "analog": "analog and mixed-signal ICs",
    "rf": "radio-frequency and microwave devices (amplifiers, MMICs)",
    "sensors": "image sensors and other sensors",
    "optoelectronics": "optoelectronic and photonic devices",
    "discrete": "discrete semiconductors",
}

STRUCTURES = ("share_deal", "asset_deal")
