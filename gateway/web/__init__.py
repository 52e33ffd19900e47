"""Server-rendered pages: the public front page now, the console later."""
