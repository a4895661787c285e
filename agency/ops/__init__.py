"""Operations the office runs on the whole system: backup and restore."""
