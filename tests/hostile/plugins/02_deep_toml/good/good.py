# The plugin that must still be listed next to the deep plugin.toml.
def ping():
    return "pong"
