"""What a file really is, decided by its bytes (DOMAIN.md §2.1): the one check of every file a person
sends in, a document deposited (documents) or a message attachment (messaging)."""
