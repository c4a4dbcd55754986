"""duet's test package: every part says which version it belongs to."""
# The package imports itself absolutely, as many packages do: in a plugin
# that vendors it, these must find the plugin's own copy.
import duetdemo.sub
from duetdemo import helpers

__version__ = "@DEMO_VERSION@"


def versions():
    """The version each part of the package was installed as."""
    return [__version__, helpers.VERSION, duetdemo.sub.version()]
