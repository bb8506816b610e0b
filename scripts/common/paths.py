"""Where things are, for every script: the repository root, its data/ and models/ folders, and scripts/."""
import os

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SCRIPTS)
DATA = os.path.join(ROOT, "data")
MODELS = os.path.join(ROOT, "models")
