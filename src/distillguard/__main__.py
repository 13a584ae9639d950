"""`python -m distillguard` runs the command line."""

from distillguard.cli import main

main()
