#!/usr/bin/env python
from taolun.__main__ import main

if __name__ == "__main__":
    main()
