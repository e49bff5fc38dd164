"""Account mode: people who sign up, store a forge token, pick repositories and search them."""
