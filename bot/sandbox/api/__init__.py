"""The Bot API methods the emulator implements, one module per group of methods."""
