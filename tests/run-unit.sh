#!/bin/sh
# Run one GTest unit test binary with TAP output (see Makefile.am).
exec "$1" --tap -k
