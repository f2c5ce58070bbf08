from visionyard.cli.main import main

main()
