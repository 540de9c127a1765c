"""What test modules share: data, paths, and the shortcuts the provider,
emulator and serving tests call. Test modules and conftest files import from
here (or tests.fixtures), never from one another."""
