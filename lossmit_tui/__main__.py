from lossmit_tui.cli import main

main()
