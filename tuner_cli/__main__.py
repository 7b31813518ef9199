from tuner_cli.cli.app import main

main()
