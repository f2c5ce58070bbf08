from visionyard.cli import main

main()
