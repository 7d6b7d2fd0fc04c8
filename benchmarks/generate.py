"""Generate a synthetic cloudreg repository: python benchmarks/generate.py --triples 100000 --out /tmp/synth."""

from cloudreg.synth import main

if __name__ == "__main__":
    main()
