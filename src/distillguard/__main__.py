"""`python -m distillguard` runs the command line."""

from distillguard.cli import main

if __name__ == "__main__":  # worker processes import this module again; they must not run the CLI
    main()
