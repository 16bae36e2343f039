#!/usr/bin/env python
import sys

from hims.cli import main

if __name__ == "__main__":
    sys.exit(main())
