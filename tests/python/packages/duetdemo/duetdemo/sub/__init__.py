import duetdemo.helpers


def version():
    return duetdemo.helpers.VERSION
