"""One file per panel. Panels read from and write to the Session; never to each other."""
