class PoleChild:
    """A record that belongs to one pole (a key figure, a membership, a cooperator…).

    It remembers the pole it was read with, so that moving it to another pole refreshes
    the derived data of both (poles/derived.py)."""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.stored_pole_id = instance.__dict__.get("pole_id")
        return instance
