"""`python -m aijobs`: the same command, through the same error boundary, as `aijobs`."""

from aijobs.cli import main

if __name__ == "__main__":
    main()
