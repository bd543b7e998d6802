"""Allows ``python -m gradlint``."""

from gradlint.fastpath import main

if __name__ == "__main__":
    main()
