"""The API's serializers: `read` for what it shows; writes get their own module."""
