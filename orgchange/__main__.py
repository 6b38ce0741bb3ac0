from orgchange.cli import main

main()
