"""The ``csvtools`` command starts here, as ``python -m csvtools`` or as the console script."""

from .process import loading_for_batch_run, set_up_batch_process


def main() -> None:
    """Set up this process for a batch run (:mod:`csvtools.process`), then hand over to :mod:`csvtools.cli`."""
    # Importing the package loaded nothing heavy (see __init__), so the set-up comes before numpy loads.
    with loading_for_batch_run():
        from .cli import main as run
    set_up_batch_process()
    run()


if __name__ == "__main__":
    main()
