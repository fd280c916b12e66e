from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 still (the same algorithm and format as production), at the lowest cost: tests
    create members by the hundred and are about rules, not about hashing cost."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
