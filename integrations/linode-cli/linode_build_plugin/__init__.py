"""linode-cli plugin: `linode-cli build <args>` runs `linode-build <args>`.

Register it with:  linode-cli register-plugin linode_build_plugin

The plugin is a thin bridge. It finds the `linode-build` executable and runs it with the
arguments linode-cli passes, handing over linode-cli's configured token through the
environment (LINODE_TOKEN), never on the command line where other users could read it
from the process list.
"""

import os
import shutil
import subprocess
import sys

PLUGIN_NAME = "build"

# Exit code for "the bridge could not run linode-build at all" (as opposed to a failure
# reported by linode-build itself, whose exit code is passed through unchanged).
EXIT_NOT_FOUND = 127


def find_executable(environ):
    """The linode-build executable: $LINODE_BUILD_BIN if set, else the one on PATH."""
    explicit = environ.get("LINODE_BUILD_BIN")
    if explicit:
        return explicit
    return shutil.which("linode-build", path=environ.get("PATH"))


def child_environment(environ, token):
    """The environment for linode-build: the caller's, plus linode-cli's token."""
    env = dict(environ)
    if token:
        # linode-build reads LINODE_TOKEN first, so the token linode-cli is configured
        # with (including --as-user selections) is the one used.
        env["LINODE_TOKEN"] = token
    return env


def call(args, context):
    """Entry point called by linode-cli with the arguments after `build`."""
    environ = os.environ
    executable = find_executable(environ)
    if not executable:
        sys.stderr.write(
            "Error: the linode-build command was not found on PATH.\n"
            "Hint: install it from a checkout (npm install -g . after npm run build; see the plugin's README) or set LINODE_BUILD_BIN to its path.\n"
        )
        sys.exit(EXIT_NOT_FOUND)

    token = getattr(context, "token", None)
    argv = [executable] + [str(arg) for arg in args]
    try:
        completed = subprocess.run(argv, env=child_environment(environ, token), check=False)
    except OSError as error:
        sys.stderr.write(
            "Error: could not run linode-build at %s: %s.\n"
            "Hint: check LINODE_BUILD_BIN or reinstall linode-build.\n" % (executable, error.strerror)
        )
        sys.exit(EXIT_NOT_FOUND)
    sys.exit(completed.returncode)
