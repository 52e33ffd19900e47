"""Run every benchmark: ``python -m bench`` (or ``make bench``)."""

from bench import cap_validation, fanout, feeds

if __name__ == "__main__":
    cap_validation.main()
    feeds.main()
    fanout.main([])
