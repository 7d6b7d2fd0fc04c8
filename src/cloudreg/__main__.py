from cloudreg.cli import cli

cli(prog_name="cloudreg")
