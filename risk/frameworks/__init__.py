"""ISO/IEC 42001:2023 Annex A and NIST AI RMF 1.0 as data, with a crosswalk from the EU AI
Act obligations of our rule sets (see ``frameworks.py``)."""
