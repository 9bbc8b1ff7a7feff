"""The ``csvtools`` command starts here, as ``python -m csvtools`` or as the console script."""

from .process import start_command


def main() -> None:
    """Mark this process as the command line's (:mod:`csvtools.process`), then hand over to :mod:`csvtools.cli`."""
    # Importing the package and the CLI loads nothing heavy (see __init__); a command that runs
    # loads its modules through process.load_for_command, which sets the process up before numpy loads.
    start_command()
    from .cli import main as run

    run()


if __name__ == "__main__":
    main()
