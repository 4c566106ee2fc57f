"""Min side itself: the start page, the page frame (header) and the organisation switch."""
