"""The ``csvtools`` command starts here, as ``python -m csvtools`` or as the console script."""

import sys

from ._version import VERSION_LINE
from .process import start_command


def main() -> None:
    """Mark this process as the command line's (:mod:`csvtools.process`), then hand over to :mod:`csvtools.cli`."""
    if sys.argv[1:] == ["--version"]:
        # Loading click and the command's definitions is most of this answer's 0.1 s start-up.
        print(VERSION_LINE)
        return
    # Importing the package and the CLI loads nothing heavy (see __init__); a command that runs
    # loads its modules through process.load_for_command, which sets the process up before numpy loads.
    start_command()
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
