"""Cases: the person offered a prepared return, their children, and the case list."""
