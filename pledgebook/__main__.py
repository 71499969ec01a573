"""``python -m pledgebook`` runs the command line."""

from pledgebook.cli import main

if __name__ == "__main__":
    main()
